//! Save: read every table of every connected switch (from the switches, never a cache).

use openflow::{FlowStatsRequest, StatsReplyBody, StatsRequest};
use viola_framework::{Controller, Dpid, RequestError};

use crate::document::{FlowStateDoc, SwitchFlows};
use crate::error::FlowStateError;
use crate::flow::SavedFlow;
use crate::timestamp;

/// Every flow of every table of one switch (a flow-stats request over all tables, all
/// parts reassembled).
pub async fn read_flows(ctl: &Controller, dpid: Dpid) -> Result<Vec<SavedFlow>, RequestError> {
    let req = StatsRequest::Flow(FlowStatsRequest::default());
    let parts = ctl.request(dpid, &req).await?;
    Ok(parts
        .iter()
        .filter_map(|p| match &p.body {
            StatsReplyBody::Flow(list) => Some(list.iter().map(SavedFlow::from_stats)),
            _ => None,
        })
        .flatten()
        .collect())
}

/// The tables of one switch as a document entry (flows in [`SwitchFlows::sort`] order).
pub async fn save_switch(ctl: &Controller, dpid: Dpid) -> Result<SwitchFlows, FlowStateError> {
    let version = ctl.version(dpid).ok_or(FlowStateError::Read {
        dpid,
        error: "not connected".into(),
    })?;
    let flows = read_flows(ctl, dpid)
        .await
        .map_err(|e| FlowStateError::read(dpid, &e))?;
    let mut s = SwitchFlows {
        dpid,
        version,
        taken_at: timestamp::now(),
        flows,
    };
    s.sort();
    Ok(s)
}

/// A document of every connected switch, ordered by datapath id. The switches are asked
/// at the same time (the tables are read as close together in time as the switches allow).
/// A switch that fails to answer fails the save (a partial document would restore a
/// partial network).
pub async fn save(ctl: &Controller) -> Result<FlowStateDoc, FlowStateError> {
    let taken_at = timestamp::now();
    let mut tasks = tokio::task::JoinSet::new();
    for info in ctl.switches() {
        let ctl = ctl.clone();
        tasks.spawn(async move { save_switch(&ctl, info.dpid).await });
    }
    let mut switches = Vec::with_capacity(tasks.len());
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(s) => switches.push(s?),
            Err(e) => {
                return Err(FlowStateError::Read {
                    dpid: Dpid(0),
                    error: format!("the save task failed: {e}"),
                })
            }
        }
    }
    switches.sort_by_key(|s| s.dpid);
    Ok(FlowStateDoc { taken_at, switches })
}
