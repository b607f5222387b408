//! What every command needs: where the server is, who is calling, how to print.

use relais_client::RelaisClient;
use tonic::Code;

use super::{connection::Connection, error::Failure, output::Output};

#[derive(Debug)]
pub(crate) struct Context {
    connection: Connection,
    pub(crate) out: Output,
}

impl Context {
    pub(crate) fn new(connection: Connection, out: Output) -> Self {
        Context { connection, out }
    }

    /// Connects on demand, so that commands which can fail locally (a case
    /// that does not validate) never reach the server.
    pub(crate) async fn client(&self) -> Result<RelaisClient, Failure> {
        RelaisClient::connect_with(&self.connection.url, self.connection.options.clone())
            .await
            .map_err(|e| Failure::connect(&e))
    }

    /// Prints a failure, with a hint when the cause is most likely a missing
    /// credential (with a client certificate, the server's message says why).
    pub(crate) fn report(&self, failure: Failure) {
        let options = &self.connection.options;
        let failure = if failure.code() == Code::Unauthenticated
            && options.token.is_none()
            && options.client_identity.is_none()
        {
            failure.with_hint(
                "no token given: set RELAIS_TOKEN, pass --token, or give your profile a token_file",
            )
        } else {
            failure
        };
        self.out.failure(&failure);
    }
}
