//! Stopping: a request already in flight when shutdown starts is answered
//! in full; new connections are refused afterwards.

use congdan_tests::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_request_in_flight_finishes_during_shutdown() {
    let app = TestApp::spawn().await;
    let addr = app.system.gateway_addr;
    let body = r#"{"query":"{ reports { totalCount } }"}"#;
    let (head, tail) = body.split_at(10);

    // Start a request: headers and half the body. `Expect: 100-continue`
    // makes the server say when the handler starts reading the body: from
    // then on the request is in flight.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request_head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nexpect: 100-continue\r\n\r\n{head}",
        body.len()
    );
    stream.write_all(request_head.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    let continue_line = b"HTTP/1.1 100 Continue\r\n\r\n";
    let mut interim = vec![0; continue_line.len()];
    stream.read_exact(&mut interim).await.unwrap();
    assert_eq!(interim, continue_line);

    // Shut down while it is in flight; once the gateway refuses new
    // connections (shutdown has begun), send the rest.
    let database = app.database;
    let shutdown = tokio::spawn(app.system.shutdown());
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        tokio::task::yield_now().await;
    }
    stream.write_all(tail.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(r#"{"data":{"reports":{"totalCount":4}}}"#),
        "{response}"
    );

    shutdown.await.unwrap().expect("a clean shutdown");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connections after shutdown"
    );
    database.drop().await;
}
