//! The SIM's messages (`/years/{year}/messages`): choose what to send, see
//! who gets it and one message as it will read, send it through the SMTP
//! server (or, without one, download the mail-merge spreadsheet), and the
//! log of every message with a Resend button. `/years/{year}/people/{user}/link`
//! gives one person a new sign-in link. Adapters over `app::mail`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};

use super::availability::when;
use super::{render_with, see_other, Layout, Page, PageResult};
use crate::download::download;
use crate::error::AppError;
use crate::extract::SimYear;
use crate::AppState;
use app::mail::{self, MailKind, Outcome, Resent};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/years/{year}/messages", get(show).post(send))
        .route("/years/{year}/messages/{id}/resend", post(resend))
        .route("/years/{year}/people/{user}/link", post(reissue))
}

struct KindOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

struct Recipient {
    user_id: Option<i64>,
    name: String,
    address: String,
    note: Option<String>,
}

struct Example {
    to: String,
    subject: String,
    body: String,
}

struct LogRow {
    id: i64,
    when: String,
    to: String,
    what: String,
    subject: String,
    status: &'static str,
    error: String,
    resent_of: Option<i64>,
    can_resend: bool,
}

/// What the page says at its top after a change.
enum Notice {
    None,
    Sent(Outcome),
    Resent(Resent),
}

#[derive(Template)]
#[template(path = "pages/messages.html")]
struct MessagesPage {
    layout: Layout,
    year_id: i64,
    year_name: String,
    kinds: Vec<KindOption>,
    kind: &'static str,
    kind_label: &'static str,
    kind_about: &'static str,
    reminder: bool,
    days: String,
    days_error: Option<String>,
    deadline: String,
    smtp: Option<String>,
    blocked: Option<String>,
    recipients: Vec<Recipient>,
    sendable: usize,
    example: Option<Example>,
    sent: Option<usize>,
    failed: Vec<String>,
    resent: Option<String>,
    new_link: Option<(String, String)>,
    log: Vec<LogRow>,
}

fn status_words(status: &str) -> &'static str {
    match status {
        "sent" => "Sent",
        "failed" => "Not sent: failed",
        _ => "Not sent: in the spreadsheet",
    }
}

async fn page(
    state: &AppState,
    year: &app::SimYear,
    kind: MailKind,
    days: &str,
    days_error: Option<String>,
    notice: Notice,
) -> PageResult<MessagesPage> {
    let preview = mail::preview(&state.db, year, kind, &state.config.base_url).await?;
    let smtp = state.config.mail.as_ref();
    let example = preview
        .letters
        .iter()
        .find(|l| l.unsendable.is_none())
        .or(preview.letters.first())
        .map(|l| Example {
            to: if l.address.is_empty() {
                l.name.clone()
            } else {
                format!("{} <{}>", l.name, l.address)
            },
            subject: l.subject.clone(),
            body: l.body.clone(),
        });
    let log = mail::log_of(&state.db, year)
        .await?
        .into_iter()
        .map(|m| LogRow {
            id: m.id,
            when: when(m.sent_at.unwrap_or(m.created_at)),
            to: if m.address.is_empty() {
                m.recipient.clone()
            } else {
                format!("{} <{}>", m.recipient, m.address)
            },
            what: MailKind::parse(&m.kind).map_or(m.kind.clone(), |k| k.label().to_string()),
            can_resend: smtp.is_some() || m.kind == MailKind::Invitation.as_str(),
            subject: m.subject,
            status: status_words(&m.status),
            error: m.error.unwrap_or_default(),
            resent_of: m.resent_of,
        })
        .collect();
    let left = (year.year.deadline - store::years::today()).num_days();
    let deadline = match left {
        ..0 => format!("{}, passed", mail::long_date(year.year.deadline)),
        0 => format!("{}, today", mail::long_date(year.year.deadline)),
        1 => format!("{}, tomorrow", mail::long_date(year.year.deadline)),
        n => format!("{}, in {n} days", mail::long_date(year.year.deadline)),
    };
    let (sent, failed, resent, new_link) = match notice {
        Notice::None => (None, Vec::new(), None, None),
        Notice::Sent(o) => (
            Some(o.sent),
            o.failed
                .into_iter()
                .map(|(name, e)| format!("{name}: {e}"))
                .collect(),
            None,
            None,
        ),
        Notice::Resent(r) => match (r.status, r.error, r.link) {
            (_, _, Some(link)) => (None, Vec::new(), None, Some((r.name, link))),
            (_, Some(e), None) => (Some(0), vec![format!("{}: {e}", r.name)], None, None),
            (_, None, None) => (None, Vec::new(), Some(r.name), None),
        },
    };
    Ok(MessagesPage {
        layout: Layout::new(format!("Messages: {}", year.year.name), Some(&year.caller)),
        year_id: year.year.id,
        year_name: year.year.name.clone(),
        kinds: MailKind::ALL
            .into_iter()
            .map(|k| KindOption {
                value: k.as_str(),
                label: k.label(),
                selected: k == kind,
            })
            .collect(),
        kind: kind.as_str(),
        kind_label: kind.label(),
        kind_about: kind.about(),
        reminder: kind == MailKind::AvailabilityReminder,
        days: days.to_string(),
        days_error,
        deadline,
        smtp: smtp.map(|s| s.server().to_string()),
        blocked: preview.blocked,
        sendable: preview
            .letters
            .iter()
            .filter(|l| l.unsendable.is_none())
            .count(),
        recipients: preview
            .letters
            .into_iter()
            .map(|l| Recipient {
                user_id: l.user_id,
                note: l.unsendable.map(|u| u.words()),
                name: l.name,
                address: l.address,
            })
            .collect(),
        example,
        sent,
        failed,
        resent,
        new_link,
        log,
    })
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn kind_of(fields: &[(String, String)]) -> PageResult<MailKind> {
    match field(fields, "kind") {
        None | Some("") => Ok(MailKind::Invitation),
        Some(k) => MailKind::parse(k)
            .ok_or_else(|| AppError::bad_request(format!("{k:?} is not a kind of message")).into()),
    }
}

fn default_days() -> String {
    mail::DEFAULT_REMINDER_DAYS.to_string()
}

/// `GET /years/{year}/messages?kind=...`
async fn show(
    State(state): State<AppState>,
    Page(year): Page<SimYear>,
    Query(query): Query<Vec<(String, String)>>,
) -> PageResult<Response> {
    let kind = kind_of(&query)?;
    let days = field(&query, "days").map_or_else(default_days, str::to_string);
    // After a run of sending: its outcome, read back from the log.
    let run = field(&query, "sent")
        .and_then(|s| s.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)));
    let notice = match run {
        Some((first, last)) => {
            Notice::Sent(mail::outcome_of(&state.db, &year, kind, first, last).await?)
        }
        None => Notice::None,
    };
    let p = page(&state, &year, kind, &days, None, notice).await?;
    render_with(StatusCode::OK, &p)
}

/// `POST /years/{year}/messages`: send through SMTP, or download the
/// mail-merge spreadsheet; the days field checked for reminders, its
/// problem beside it and what was typed kept.
async fn send(
    State(state): State<AppState>,
    Page(year): Page<SimYear>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let kind = kind_of(&fields)?;
    let typed = field(&fields, "days").map_or_else(default_days, str::to_string);
    let days = if kind == MailKind::AvailabilityReminder {
        let checked = mail::read_days(&typed).and_then(|d| {
            mail::reminder_due(year.year.deadline, store::years::today(), d).map(|()| d)
        });
        match checked {
            Ok(d) => d,
            Err(e) => {
                let p = page(&state, &year, kind, &typed, Some(e), Notice::None).await?;
                return render_with(StatusCode::BAD_REQUEST, &p);
            }
        }
    } else {
        mail::DEFAULT_REMINDER_DAYS
    };
    let base = &state.config.base_url;
    match (field(&fields, "action"), state.config.mail.as_ref()) {
        (Some("download"), _) => {
            let file = mail::mail_merge(&state.db, &year, kind, days, base).await?;
            Ok(download(file))
        }
        (_, Some(smtp)) => {
            let outcome = mail::send(&state.db, &year, kind, days, base, smtp).await?;
            // Sent: to the page by GET, so that reloading it sends nothing
            // again (an invitation sent again would end the links just sent).
            if let Some((first, last)) = outcome.logged {
                return Ok(see_other(&format!(
                    "/years/{}/messages?kind={}&sent={first}-{last}#outcome",
                    year.year.id,
                    kind.as_str()
                )));
            }
            let p = page(&state, &year, kind, &typed, None, Notice::Sent(outcome)).await?;
            render_with(StatusCode::OK, &p)
        }
        (_, None) => Err(AppError::conflict(
            "no SMTP server is configured: download the mail-merge spreadsheet instead",
        )
        .into()),
    }
}

/// The messages page after one message went again (or a link was shown).
async fn resent(state: &AppState, year: &app::SimYear, r: Resent) -> PageResult<Response> {
    let p = page(
        state,
        year,
        MailKind::Invitation,
        &default_days(),
        None,
        Notice::Resent(r),
    )
    .await?;
    render_with(StatusCode::OK, &p)
}

/// `POST /years/{year}/messages/{id}/resend`
async fn resend(
    State(state): State<AppState>,
    Page(year): Page<SimYear>,
    Path((_, id)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let r = mail::resend(
        &state.db,
        &year,
        id,
        &state.config.base_url,
        state.config.mail.as_ref(),
    )
    .await?;
    resent(&state, &year, r).await
}

/// `POST /years/{year}/people/{user}/link`: a new sign-in link for one
/// person, sent to them (or shown once, without SMTP); the old one stops
/// working.
async fn reissue(
    State(state): State<AppState>,
    Page(year): Page<SimYear>,
    Path((_, user_id)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let r = mail::reissue(
        &state.db,
        &year,
        user_id,
        &state.config.base_url,
        state.config.mail.as_ref(),
    )
    .await?;
    resent(&state, &year, r).await
}
