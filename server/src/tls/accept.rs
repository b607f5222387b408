//! The TLS accept loop.

use std::{convert::Infallible, time::Duration};

use futures::Stream;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
    task::JoinHandle,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

/// How long a client may take to complete its handshake. Each handshake runs
/// in a task of its own, so a slow or silent client only ever holds itself up.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshaken connections waiting for the server to take them.
const QUEUE: usize = 64;

/// How long to wait after a failed `accept` (out of file descriptors, say)
/// before trying again, so the loop does not spin while the cause lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

type Connection = Result<TlsStream<TcpStream>, Infallible>;

/// Accepts on `listener` until `stop`; the handle completes when the listener
/// is closed, so the address can be bound again at once.
pub(super) fn accept(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    stop: CancellationToken,
) -> (
    impl Stream<Item = Connection> + Send + 'static,
    JoinHandle<()>,
) {
    let (sender, receiver) = mpsc::channel(QUEUE);
    let task = tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = stop.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::select! {
                        () = stop.cancelled() => break,
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    }
                }
            };
            // gRPC messages are small and latency matters more than packet count.
            let _ = stream.set_nodelay(true);
            let acceptor = acceptor.clone();
            let sender = sender.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(connection)) => {
                        // Fails only once the server has stopped taking connections.
                        let _ = sender.send(Ok(connection)).await;
                    }
                    Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                }
            });
        }
    });
    (ReceiverStream::new(receiver), task)
}
