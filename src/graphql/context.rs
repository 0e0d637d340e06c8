//! Typed access to what resolvers need from the GraphQL context.

use std::future::Future;

use async_graphql::Context;

use crate::{
    app::AppState,
    auth::{
        AuthenticatedUser, Viewer,
        scope::{AccessStamp, TokenReads},
    },
    domains::estate::access::Scope,
    error::{AppError, AppResult},
    graphql::loaders::Loaders,
};

/// Shortcuts over [`Context`], so resolvers never call `ctx.data` with a type by hand.
pub trait ContextExt {
    /// The application state.
    fn state(&self) -> &AppState;
    /// The caller (anonymous when no token was presented).
    fn viewer(&self) -> &Viewer;
    /// The request's DataLoaders.
    fn loaders(&self) -> AppResult<&Loaders>;
    /// The signed-in caller, or `UNAUTHENTICATED`.
    fn require_user(&self) -> AppResult<&AuthenticatedUser> {
        self.viewer().require_user()
    }
    /// The signed-in caller's access [`Scope`], made on first use and reused for the request;
    /// `UNAUTHENTICATED` for anonymous callers. Making it runs no query: its facets load when
    /// first read (`let scope = ctx.scope().await?; scope.resident().await?`).
    fn scope(&self) -> impl Future<Output = AppResult<&Scope>> + Send;
    /// What the request's token check read besides the viewer (nothing over WebSocket, for
    /// anonymous callers, or what the document's text did not name).
    fn token_reads(&self) -> TokenReads;
}

static ANONYMOUS: Viewer = Viewer::Anonymous;

/// The DataLoaders of one request, made on first use: most operations (and most long-lived
/// subscriptions) never need them, and a subscription should not carry them for hours.
#[derive(Default)]
pub struct LazyLoaders(std::sync::OnceLock<Loaders>);

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        // The schema is only ever built by `graphql::build`, which always adds the state.
        self.data_unchecked::<AppState>()
    }

    fn loaders(&self) -> AppResult<&Loaders> {
        let lazy = self
            .data::<LazyLoaders>()
            .map_err(|_| AppError::internal("the request has no DataLoaders"))?;
        Ok(lazy.0.get_or_init(|| Loaders::new(self.state())))
    }

    fn viewer(&self) -> &Viewer {
        self.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
    }

    fn token_reads(&self) -> TokenReads {
        self.data_opt::<TokenReads>().copied().unwrap_or_default()
    }

    // Async in shape so a later core check (say, the user's status) can query without changing
    // every resolver.
    async fn scope(&self) -> AppResult<&Scope> {
        let viewer = self.viewer();
        viewer.require_user()?;
        let state = self.state();
        Ok(self.loaders()?.scope.get_or_init(|| {
            let today = state.clock.today();
            let scope = Scope::new(state.db.clone(), viewer, today);
            // A request whose token check read the access version shares the viewer's
            // resident and staff facets with the other requests at that version.
            match (self.data_opt::<AccessStamp>(), viewer) {
                (Some(stamp), Viewer::User(user)) if state.config.share_access_facets => {
                    scope.with_shared(&state.scopes.shared(user.id, stamp.0, &user.roles, today))
                }
                _ => scope,
            }
        }))
    }
}
