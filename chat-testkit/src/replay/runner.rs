//! The [`Runner`] trait: what runs a routed operation, in memory or over sockets.

use chat_core::identity::IdentityContext;
use chat_core::{ChatContext, Error, ListOperation, Operation, Pager};

use super::transport::ReplayTransport;

/// Something that runs the core's operations: the in-memory [`ReplayTransport`], or a real
/// transport pointed at a [`crate::replay::ReplayServer`]. The contexts carry the recorded host
/// and API version; a runner that talks to another host keeps the version and swaps the host.
pub trait Runner {
    /// Runs a chat operation (bearer auth) as one call.
    fn chat<O: Operation<Context = ChatContext> + Send + 'static>(
        &mut self,
        operation: O,
        context: &ChatContext,
    ) -> Result<(), Error>;

    /// Walks a listing to its end, from the first page or from `continuation` (a `nextLink`);
    /// returns how many items it gave.
    fn list<L: ListOperation + Send + 'static>(
        &mut self,
        list: L,
        context: &ChatContext,
        continuation: Option<&str>,
    ) -> Result<usize, Error>
    where
        L::Item: Send + 'static;

    /// Runs an identity operation (HMAC auth) as one call.
    fn identity<O: Operation<Context = IdentityContext> + Send + 'static>(
        &mut self,
        operation: O,
        context: &IdentityContext,
    ) -> Result<(), Error>;
}

impl Runner for ReplayTransport {
    fn chat<O: Operation<Context = ChatContext> + Send + 'static>(
        &mut self,
        operation: O,
        context: &ChatContext,
    ) -> Result<(), Error> {
        Self::chat(self, operation, context).map(drop)
    }

    fn list<L: ListOperation + Send + 'static>(
        &mut self,
        list: L,
        context: &ChatContext,
        continuation: Option<&str>,
    ) -> Result<usize, Error>
    where
        L::Item: Send + 'static,
    {
        let pager = match continuation {
            Some(link) => Pager::resume(list, context.clone(), link)?,
            None => Pager::new(list, context.clone()),
        };
        self.walk(pager).map(|items| items.len())
    }

    fn identity<O: Operation<Context = IdentityContext> + Send + 'static>(
        &mut self,
        operation: O,
        context: &IdentityContext,
    ) -> Result<(), Error> {
        let config = self.identity_config()?;
        self.call(operation, context.clone(), config).map(drop)
    }
}
