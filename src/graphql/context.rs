//! Typed access to what resolvers need from the GraphQL context.

use async_graphql::Context;

use crate::{
    app::AppState,
    auth::{AuthenticatedUser, Viewer},
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
}
