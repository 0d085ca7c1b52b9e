//! The SMTP server of the e-mail tests: postfix's `smtp-sink`, which
//! `scripts/test` starts and which writes each message it receives to a
//! file of its own in a folder. Tests read those files back: the headers,
//! the body decoded, and the sign-in link an invitation carries.
//!
//! Tests of one run share the folder, so each test gives its people
//! addresses of its own and reads only the messages to them.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The SMTP URL of the server, e.g. `smtp://127.0.0.1:2525`.
pub const SMTP_ENV: &str = "PEER_REVIEW_TEST_SMTP";
/// The folder the server writes messages to.
pub const SMTP_DIR_ENV: &str = "PEER_REVIEW_TEST_SMTP_DIR";

/// The running test SMTP server.
#[derive(Debug, Clone)]
pub struct Sink {
    pub url: String,
    pub dir: PathBuf,
}

/// The server `scripts/test` started, or None, saying on stderr why the
/// test that asked is skipped.
pub fn sink(test: &str) -> Option<Sink> {
    match (std::env::var(SMTP_ENV), std::env::var(SMTP_DIR_ENV)) {
        (Ok(url), Ok(dir)) if !url.is_empty() && !dir.is_empty() => Some(Sink {
            url,
            dir: PathBuf::from(dir),
        }),
        _ => {
            eprintln!(
                "skipping {test}: {SMTP_ENV} and {SMTP_DIR_ENV} are not set (scripts/test starts smtp-sink and sets them)"
            );
            None
        }
    }
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope's recipients (`RCPT TO`).
    pub recipients: Vec<String>,
    /// The message's headers, continuation lines joined, in order.
    pub headers: Vec<(String, String)>,
    /// The body, its transfer encoding undone.
    pub body: String,
}

impl Mail {
    /// The first header of this name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The invitation link in the body: `http...//invite/TOKEN`.
    pub fn invitation_link(&self) -> Option<String> {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains("/invite/"))
            .map(str::to_string)
    }
}

/// Reads one file `smtp-sink -d` wrote: its own `X-` lines, then the
/// message. None while the file is still being written.
pub fn parse(text: &str) -> Option<Mail> {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n")?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let recipients = headers
        .iter()
        .filter(|(k, _)| k == "X-Rcpt-Args")
        .map(|(_, v)| {
            v.split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_matches(['<', '>'])
                .to_string()
        })
        .collect();
    let quoted = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("Content-Transfer-Encoding")
            && v.eq_ignore_ascii_case("quoted-printable")
    });
    let body = if quoted {
        decode_quoted_printable(body)
    } else {
        body.to_string()
    };
    Some(Mail {
        recipients,
        headers,
        body,
    })
}

/// Undoes quoted-printable (RFC 2045): `=XX` bytes and `=` soft line breaks.
pub fn decode_quoted_printable(text: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let lines: Vec<&str> = text.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim_end_matches([' ', '\t', '\r']);
        let (line, soft) = match line.strip_suffix('=') {
            Some(l) => (l, true),
            None => (line, false),
        };
        let bytes = line.as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            if bytes[j] == b'=' && j + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[j + 1..j + 3]).unwrap_or("");
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    j += 3;
                    continue;
                }
            }
            out.push(bytes[j]);
            j += 1;
        }
        if !soft && i + 1 < lines.len() {
            out.push(b'\n');
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Sink {
    /// Every complete message in the folder.
    pub fn all(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .filter_map(|t| parse(&t))
            .collect()
    }

    /// The messages to `address`, once there are at least `n` of them
    /// (waiting up to ten seconds); in the order they were written.
    pub async fn wait_for(&self, address: &str, n: usize) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let mine: Vec<Mail> = self
                .all()
                .into_iter()
                .filter(|m| m.recipients.iter().any(|r| r == address))
                .collect();
            if mine.len() >= n || start.elapsed() > Duration::from_secs(10) {
                assert!(
                    mine.len() >= n,
                    "{} messages to {address} reached the SMTP server, not {n}",
                    mine.len()
                );
                return mine;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dumped_message_reads_back_decoded() {
        let file = "X-Client-Addr: 127.0.0.1\nX-Rcpt-Args: <ann@school.example>\n\
                    Subject: Peer review 2026-27:\n your sign-in link\n\
                    Content-Transfer-Encoding: quoted-printable\n\n\
                    Dear Si=C3=A2n,\n\nhttp://127.0.0.1:8080/invite/abc=\ndef\n\n";
        let m = parse(file).unwrap();
        assert_eq!(m.recipients, ["ann@school.example"]);
        assert_eq!(
            m.header("subject"),
            Some("Peer review 2026-27: your sign-in link")
        );
        assert!(m.body.starts_with("Dear Siân,\n"), "{}", m.body);
        assert_eq!(
            m.invitation_link().as_deref(),
            Some("http://127.0.0.1:8080/invite/abcdef")
        );
    }
}
