//! Files the browser saves rather than shows (spreadsheets, calendars, the
//! rules file, stored inputs) and the one it shows (the plan's report). One
//! place builds the headers, so that every download names its file the same
//! way and no file name can break out of its quotes.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `body` as a file to save under `file_name`.
pub fn attachment(content_type: &str, file_name: &str, body: impl IntoResponse) -> Response {
    with_disposition("attachment", content_type, file_name, body)
}

/// A file `app` made for the SIM, to save.
pub fn download(file: app::plans::Download) -> Response {
    attachment(file.content_type, &file.file_name, file.bytes)
}

/// A file `app` made for the SIM, for the browser to show (the report),
/// with the name it is saved under if the SIM saves it.
pub fn inline(file: app::plans::Download) -> Response {
    with_disposition("inline", file.content_type, &file.file_name, file.bytes)
}

fn with_disposition(
    disposition: &str,
    content_type: &str,
    file_name: &str,
    body: impl IntoResponse,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{}\"", quoted(file_name)),
            ),
        ],
        body,
    )
        .into_response()
}

/// The inside of a quoted header parameter: `"` and `\` escaped, and
/// anything a header may not carry (control and non-ASCII characters)
/// replaced, so that a name from a path or an upload cannot end the
/// parameter early or make the header invalid. The names the service makes
/// itself (`app::plans::file_name`) pass unchanged.
fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('_'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_inside_their_quotes() {
        for (name, inside) in [
            ("plan-3-groups.csv", "plan-3-groups.csv"),
            ("a\"b\\c.csv", "a\\\"b\\\\c.csv"),
            ("é\r\n.ics", "___.ics"),
        ] {
            assert_eq!(quoted(name), inside, "{name:?}");
        }
    }

    #[test]
    fn an_attachment_names_its_type_and_file() {
        let r = attachment("text/csv; charset=utf-8", "x y.csv", "a,b\n");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert_eq!(
            r.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"x y.csv\""
        );
    }

    #[test]
    fn an_inline_file_is_shown_and_named_alike() {
        let r = inline(app::plans::Download {
            content_type: "text/html; charset=utf-8",
            file_name: "plan \"3\".html".into(),
            bytes: b"<p>".to_vec(),
        });
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(
            r.headers()[header::CONTENT_DISPOSITION],
            "inline; filename=\"plan \\\"3\\\".html\""
        );
    }
}
