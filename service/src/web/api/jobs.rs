//! (to be written)

use axum::Router;

use crate::web::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths())]
pub struct Doc;

pub fn router() -> Router<AppState> {
    Router::new()
}
