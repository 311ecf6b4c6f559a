use super::*;
use std::sync::Mutex as StdMutex;
use std::time::{Duration, Instant};

/// Records raft batches; answers forwarded requests by echoing their body with status 200.
#[derive(Default)]
struct Recorder {
    raft: StdMutex<Vec<RaftBatch>>,
}

impl Inbound for Recorder {
    fn raft(&self, batch: RaftBatch) {
        self.raft.lock().unwrap().push(batch);
    }

    fn forward(&self, req: ForwardRequest) -> BoxFuture<ForwardResponse> {
        Box::pin(async move {
            let mut body = format!("{} {} ", req.method, req.uri).into_bytes();
            body.extend_from_slice(&req.body);
            ForwardResponse { id: req.id, status: 200, headers: req.headers, body }
        })
    }
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

fn node(id: u64, tls: &ClusterTls) -> (Arc<Transport>, Arc<Recorder>, String) {
    let rec = Arc::new(Recorder::default());
    let t = Transport::new(id, rec.clone()).unwrap();
    let addr = free_addr();
    t.start(&addr, tls).unwrap();
    (t, rec, addr)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn raft_batches_reach_the_peer_in_order() {
    let tls = ClusterTls::generate().unwrap();
    let (a, _, _) = node(1, &tls);
    let (_b, rec_b, addr_b) = node(2, &tls);
    for i in 0..100u32 {
        a.send_raft(2, &addr_b, vec![i.to_be_bytes().to_vec()]);
    }
    wait_for("100 messages", || rec_b.raft.lock().unwrap().iter().map(|b| b.messages.len()).sum::<usize>() == 100);
    let got: Vec<u32> = rec_b
        .raft
        .lock()
        .unwrap()
        .iter()
        .flat_map(|b| {
            assert_eq!(b.from, 1);
            b.messages.iter().map(|m| u32::from_be_bytes(m[..4].try_into().unwrap())).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn a_message_larger_than_a_chunk_arrives_whole_and_in_order() {
    let tls = ClusterTls::generate().unwrap();
    let (a, _, _) = node(1, &tls);
    let (_b, rec_b, addr_b) = node(2, &tls);
    let big: Vec<u8> = (0..(peer::CHUNK_SIZE * 2 + 12345)).map(|i| (i % 251) as u8).collect();
    a.send_raft(2, &addr_b, vec![b"before".to_vec(), big.clone(), b"after".to_vec()]);
    wait_for("three messages", || rec_b.raft.lock().unwrap().iter().map(|b| b.messages.len()).sum::<usize>() == 3);
    let got: Vec<Vec<u8>> = rec_b.raft.lock().unwrap().iter().flat_map(|b| b.messages.clone()).collect();
    assert_eq!(got[0], b"before");
    assert!(got[1] == big, "the large message arrived changed ({} bytes)", got[1].len());
    assert_eq!(got[2], b"after");
}

#[test]
fn requests_are_forwarded_and_answered() {
    let tls = ClusterTls::generate().unwrap();
    let (a, _, _) = node(1, &tls);
    let (_b, _, addr_b) = node(2, &tls);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let calls = (0..20).map(|i| {
            let req = ForwardRequest {
                method: "PUT".into(),
                uri: format!("/v1/secret/data/{i}"),
                headers: vec![Header { name: "x-vault-token".into(), value: b"root".to_vec() }],
                body: format!("body{i}").into_bytes(),
                ..Default::default()
            };
            a.forward(&addr_b, req)
        });
        let answers = futures_join_all(calls).await;
        for (i, resp) in answers.into_iter().enumerate() {
            let resp = resp.unwrap();
            assert_eq!(resp.status, 200);
            assert_eq!(String::from_utf8(resp.body).unwrap(), format!("PUT /v1/secret/data/{i} body{i}"));
            assert_eq!(resp.headers[0].value, b"root");
        }
    });
}

async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let handles: Vec<_> = futs.collect();
    for f in handles {
        out.push(f.await);
    }
    out
}

#[test]
fn a_node_of_another_cluster_is_refused() {
    let (a, _, _) = node(1, &ClusterTls::generate().unwrap());
    let (_b, rec_b, addr_b) = node(2, &ClusterTls::generate().unwrap());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let forwarded = rt.block_on(a.forward(&addr_b, ForwardRequest::default()));
    assert!(matches!(forwarded, Err(ForwardError::Connect(_))), "{forwarded:?}");
    for _ in 0..20 {
        a.send_raft(2, &addr_b, vec![b"x".to_vec()]);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(rec_b.raft.lock().unwrap().is_empty());
    // The link saw the handshake fail: raft is told the peer is unreachable.
    wait_for("unreachable", || !a.send_raft(2, &addr_b, vec![b"x".to_vec()]));
}

#[test]
fn an_unstarted_transport_reports_peers_unreachable() {
    let t = Transport::new(1, Arc::new(Recorder::default())).unwrap();
    assert!(!t.send_raft(2, "127.0.0.1:1", vec![b"x".to_vec()]));
}
