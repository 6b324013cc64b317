//! ListenBrainz-compatible endpoints under `/1/` for scrobblers: `Authorization: Token …`,
//! ListenBrainz's error shape (`{"code", "error"}`) and its rate-limit headers.

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use encore::{
    model::SessionUser,
    service::listenbrainz::{self as lb, RATE_LIMIT, RATE_WINDOW_SECS},
};
use serde_json::{json, Value};

use crate::AppState;

fn error(code: StatusCode, message: &str) -> Response {
    (code, Json(json!({"code": code.as_u16(), "error": message}))).into_response()
}

fn token_of(headers: &HeaderMap) -> Option<String> {
    let h = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = h.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("token")
        .then(|| token.trim().to_string())
}

/// Counts the request (per token, else per address) and adds the rate-limit headers;
/// `Err` is the 429.
async fn limited(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<[(&'static str, HeaderValue); 3], Response> {
    let key = match token_of(headers) {
        Some(t) => format!("lb:{t}"),
        None => format!(
            "lb-ip:{}",
            headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .filter(|_| state.ctx.trust_forwarded_for)
                .unwrap_or("direct")
        ),
    };
    let (hits, reset) = match state
        .ctx
        .repos
        .accounts
        .rate_hit(&key, RATE_WINDOW_SECS)
        .await
    {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "rate limit");
            return Err(error(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly."));
        }
    };
    let h = [
        ("x-ratelimit-limit", HeaderValue::from(RATE_LIMIT)),
        (
            "x-ratelimit-remaining",
            HeaderValue::from((RATE_LIMIT - hits).max(0)),
        ),
        ("x-ratelimit-reset-in", HeaderValue::from(reset)),
    ];
    if hits > RATE_LIMIT {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Too many requests: at most {RATE_LIMIT} every {RATE_WINDOW_SECS} s; try again in {reset} s."),
        );
        for (k, v) in h {
            r.headers_mut().insert(k, v);
        }
        return Err(r);
    }
    Ok(h)
}

async fn user(state: &AppState, headers: &HeaderMap) -> Result<SessionUser, Response> {
    let Some(token) = token_of(headers) else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "You need to provide an Authorization header: Token <your token from Settings → Apps>.",
        ));
    };
    match lb::user_of(&state.ctx.repos, &token).await {
        Ok(Some(u)) => Ok(u),
        Ok(None) => Err(error(
            StatusCode::UNAUTHORIZED,
            "Invalid authorization token.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "listenbrainz token");
            Err(error(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly."))
        }
    }
}

fn with(h: [(&'static str, HeaderValue); 3], mut r: Response) -> Response {
    for (k, v) in h {
        r.headers_mut().insert(k, v);
    }
    r
}

/// `GET /1/validate-token` (token in the header or `?token=`).
pub async fn validate_token(
    State(state): State<AppState>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    mut headers: HeaderMap,
) -> Response {
    if let Some(t) = q.get("token") {
        if let Ok(v) = HeaderValue::from_str(&format!("Token {t}")) {
            headers.insert(header::AUTHORIZATION, v);
        }
    }
    let h = match limited(&state, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let body = match token_of(&headers) {
        None => {
            json!({"code": 400, "message": "You need to provide an Authorization token.", "valid": false})
        }
        Some(t) => match lb::user_of(&state.ctx.repos, &t).await {
            Ok(Some(u)) => {
                json!({"code": 200, "message": "Token valid.", "valid": true, "user_name": u.username})
            }
            Ok(None) => json!({"code": 200, "message": "Token invalid.", "valid": false}),
            Err(_) => return error(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly."),
        },
    };
    with(h, Json(body).into_response())
}

/// `POST /1/submit-listens` (JSON with or without a JSON content type).
pub async fn submit_listens(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let h = match limited(&state, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let me = match user(&state, &headers).await {
        Ok(u) => u,
        Err(r) => return with(h, r),
    };
    let r = match lb::submit(&state.ctx.repos, &me, &body).await {
        Ok(Ok(_)) => Json(json!({"status": "ok"})).into_response(),
        Ok(Err(refusal)) => error(
            StatusCode::from_u16(refusal.code).unwrap_or(StatusCode::BAD_REQUEST),
            &refusal.error,
        ),
        Err(e) => {
            tracing::error!(error = %e, "submit listens");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Could not store the listens; send them again.",
            )
        }
    };
    with(h, r)
}

/// A counted request for the named user's data, who must be the token's own (Encore
/// keeps listens private): the rate-limit headers and the user, or the whole answer.
async fn owner(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
) -> Result<([(&'static str, HeaderValue); 3], SessionUser), Response> {
    let h = limited(state, headers).await?;
    match user(state, headers).await {
        Ok(me) if me.username.eq_ignore_ascii_case(name) => Ok((h, me)),
        Ok(_) => Err(with(
            h,
            error(
                StatusCode::FORBIDDEN,
                "Listens are private in Encore: read your own with your own token.",
            ),
        )),
        Err(r) => Err(with(h, r)),
    }
}

fn page(v: Option<&String>) -> Result<Option<i64>, Response> {
    match v {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                "max_ts, min_ts and count must be whole numbers.",
            )
        }),
    }
}

/// `GET /1/user/{name}/listens?max_ts=&min_ts=&count=`.
pub async fn user_listens(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (h, me) = match owner(&state, &headers, &name).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (max_ts, min_ts, count) = match (
        page(q.get("max_ts")),
        page(q.get("min_ts")),
        page(q.get("count")),
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c.unwrap_or(25)),
        _ => {
            return with(
                h,
                error(
                    StatusCode::BAD_REQUEST,
                    "max_ts, min_ts and count must be whole numbers.",
                ),
            )
        }
    };
    if max_ts.is_some() && min_ts.is_some() {
        return with(
            h,
            error(StatusCode::BAD_REQUEST, "Give max_ts or min_ts, not both."),
        );
    }
    let r = match lb::listens(&state.ctx.repos, &me, max_ts, min_ts, count).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "listens");
            error(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.")
        }
    };
    with(h, r)
}

/// `GET /1/user/{name}/playing-now`.
pub async fn playing_now(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (h, me) = match owner(&state, &headers, &name).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let r = match lb::playing_now(&state.ctx.repos, &me).await {
        Ok(v) => Json::<Value>(v).into_response(),
        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly."),
    };
    with(h, r)
}
