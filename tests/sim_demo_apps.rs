//! The acceptance runs of `viola demo`: topology + l2-learning on simulated switches reach
//! every pair on linear,4, tree,2,3 and ring,5 (a loop: the spanning tree must hold), in
//! OpenFlow 1.3 and 1.0.

use openflow::Version;
use viola::demo::{self, DemoOptions};

async fn demo(spec: &str, v: Version) {
    let mut opts = DemoOptions::standard();
    opts.switch_versions = vec![v];
    let r = demo::run(spec, opts).await.expect("demo runs");
    let text = r.to_text();
    assert!(r.all_reached(), "{text}");
    let found = r.found.as_ref().expect("observer result");
    assert_eq!(found.links.len(), r.expected_links, "{text}");
    assert_eq!(found.hosts.len(), r.hosts.len(), "{text}");
    assert_eq!(r.loop_drops, Some(0), "something circulated:\n{text}");
    assert!(
        r.flows
            .iter()
            .all(|f| f.error.is_none() && !f.flows.is_empty()),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linear_4() {
    demo("linear,4", Version::V1_3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_2_3() {
    demo("tree,2,3", Version::V1_3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ring_5() {
    demo("ring,5", Version::V1_3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ring_5_of_1_0() {
    demo("ring,5", Version::V1_0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torus_3_3() {
    demo("torus,3,3", Version::V1_3).await;
}
