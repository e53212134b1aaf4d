//! A controller with only the flow-state app and the REST API, for trying `viola flows`
//! against real switches:
//!
//! ```text
//! cargo run -p viola-flow-state --example flow_state_controller -- 127.0.0.1:6653 127.0.0.1:8080
//! viola flows save -o flows.json
//! ```
//!
//! Arguments: OpenFlow listen address (default 127.0.0.1:6653), REST API address (default
//! 127.0.0.1:8080). Stops on Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;

use viola_flow_state::FlowStateApp;
use viola_framework::rest::{ApiConfig, RestRoutes};
use viola_framework::{App, ControllerBuilder, ListenAddr};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let of: SocketAddr = args.next().as_deref().unwrap_or("127.0.0.1:6653").parse()?;
    let api: SocketAddr = args.next().as_deref().unwrap_or("127.0.0.1:8080").parse()?;
    // ANCHOR: controller
    let app = Arc::new(FlowStateApp::new());
    let running = ControllerBuilder::new()
        .app(app.clone() as Arc<dyn App>)
        .listen(ListenAddr::Tcp(of))
        .start()
        .await?;
    let ctl = running.handle();
    let routes = vec![app.routes(ctl.clone())];
    let (bound, server) =
        viola_framework::rest::serve(ctl, api, ApiConfig::default(), routes).await?;
    // ANCHOR_END: controller
    eprintln!(
        "OpenFlow on {:?}, REST API on http://{bound}",
        running.local_addrs()
    );
    tokio::signal::ctrl_c().await?;
    server.abort();
    running.shutdown().await;
    Ok(())
}
