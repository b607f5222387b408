//! What every command needs: where the server is, who is calling, how to print.

use relais_client::RelaisClient;
use tonic::Code;

use super::{Token, error::Failure, output::Output};

#[derive(Debug)]
pub(crate) struct Context {
    url: String,
    token: Option<Token>,
    pub(crate) out: Output,
}

impl Context {
    pub(crate) fn new(url: String, token: Option<Token>, out: Output) -> Self {
        Context { url, token, out }
    }

    /// Connects on demand, so that commands which can fail locally (a case
    /// that does not validate) never reach the server.
    pub(crate) async fn client(&self) -> Result<RelaisClient, Failure> {
        let token = self.token.as_ref().map(Token::expose);
        RelaisClient::connect(&self.url, token)
            .await
            .map_err(|e| Failure::connect(&e))
    }

    /// Prints a failure, with a hint when the cause is most likely a missing token.
    pub(crate) fn report(&self, failure: Failure) {
        let failure = if failure.code() == Code::Unauthenticated && self.token.is_none() {
            failure.with_hint("no token given: set RELAIS_TOKEN or pass --token")
        } else {
            failure
        };
        self.out.failure(&failure);
    }
}
