//! `GET /api/v1/events`: server-sent events from [`Controller::subscribe`]. Each event's
//! `event:` field is its name (`switch_up`, `switch_down`, `port_status`, or an app's kind),
//! its `data:` the JSON of [`crate::ControllerEvent`]. A client too slow to keep up gets a
//! `lagged` event with the number of events it missed.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::Controller;

/// SSE event names may not contain line breaks.
fn event_name(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

pub(crate) async fn stream(
    State(ctl): State<Controller>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = ctl.subscribe();
    let s = futures::stream::unfold(rx, |mut rx| async move {
        let ev = match rx.recv().await {
            Ok(e) => {
                let base = Event::default().event(event_name(e.name()));
                match base.json_data(&e) {
                    Ok(ev) => ev,
                    Err(err) => Event::default()
                        .event("error")
                        .data(format!("cannot encode event: {err}").replace(['\n', '\r'], " ")),
                }
            }
            Err(RecvError::Lagged(n)) => Event::default()
                .event("lagged")
                .data(json!({"missed": n}).to_string()),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(ev), rx))
    });
    Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
