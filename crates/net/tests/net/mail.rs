//! `send_mail` to a minimal SMTP receiver on loopback (RFC 5321: greeting,
//! EHLO/HELO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT).

use std::sync::{Arc, Mutex};

use data_encoding::BASE64;
use mamori_net::{NetError, Security, SmtpSettings, send_mail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::support::closed_port;

/// One SMTP session as the receiver saw it.
#[derive(Clone, Debug, Default)]
struct Session {
    ehlo: Option<String>,
    auth: Option<(String, String)>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
    data: Option<String>,
}

async fn start_smtp() -> (u16, Arc<Mutex<Vec<Session>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let sessions: Arc<Mutex<Vec<Session>>> = Arc::default();
    let log = Arc::clone(&sessions);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut session = Session::default();
                let _ = smtp_session(stream, &mut session).await;
                log.lock().expect("lock").push(session);
            });
        }
    });
    (port, sessions)
}

fn b64_text(s: &str) -> String {
    String::from_utf8(BASE64.decode(s.trim().as_bytes()).expect("base64")).expect("utf-8")
}

async fn smtp_session(stream: tokio::net::TcpStream, session: &mut Session) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 smtp.test ESMTP ready\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO ") {
            session.ehlo = Some(command[5..].to_owned());
            "250-smtp.test greets you\r\n250-8BITMIME\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 10000000\r\n".into()
        } else if upper.starts_with("HELO ") {
            session.ehlo = Some(command[5..].to_owned());
            "250 smtp.test\r\n".into()
        } else if upper.starts_with("AUTH PLAIN") {
            let initial = command[10..].trim().to_owned();
            let encoded = if initial.is_empty() {
                write.write_all(b"334 \r\n").await?;
                let mut l = String::new();
                reader.read_line(&mut l).await?;
                l
            } else {
                initial
            };
            let decoded = b64_text(&encoded);
            let mut parts = decoded.split('\0').skip(1);
            let user = parts.next().unwrap_or_default().to_owned();
            let pass = parts.next().unwrap_or_default().to_owned();
            session.auth = Some((user, pass));
            "235 2.7.0 Authentication successful\r\n".into()
        } else if upper.starts_with("AUTH LOGIN") {
            write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
            let mut user = String::new();
            reader.read_line(&mut user).await?;
            write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
            let mut pass = String::new();
            reader.read_line(&mut pass).await?;
            session.auth = Some((b64_text(&user), b64_text(&pass)));
            "235 2.7.0 Authentication successful\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            session.mail_from = Some(
                command[10..]
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
            "250 2.1.0 OK\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            session.rcpt_to.push(command[8..].trim().to_owned());
            "250 2.1.5 OK\r\n".into()
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).await? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" {
                    break;
                }
                // Undo dot-stuffing.
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            session.data = Some(data);
            "250 2.0.0 queued\r\n".into()
        } else if upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 OK\r\n".into()
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            "502 5.5.2 command not implemented\r\n".into()
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// Splits a message into unfolded headers and body.
fn parse_message(data: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = data.split_once("\r\n\r\n").expect("header/body separator");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().expect("continuation after a header");
            last.1.push_str(line);
        } else {
            let (name, value) = line.split_once(':').expect("header line");
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    (headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`);
/// whitespace between adjacent encoded words is dropped.
fn decode_words(value: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut rest = value;
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some(start) = rest.find("=?") {
            let between = &rest[..start];
            if !(last_was_word && between.trim().is_empty()) {
                out.extend_from_slice(between.as_bytes());
            }
            let word = &rest[start + 2..];
            let mut fields = word.splitn(3, '?');
            let (_charset, encoding, tail) = (
                fields.next().expect("charset"),
                fields.next().expect("encoding"),
                fields.next().expect("text"),
            );
            let end = tail.find("?=").expect("end of encoded word");
            let text = &tail[..end];
            match encoding {
                "b" | "B" => out.extend(BASE64.decode(text.as_bytes()).expect("base64 word")),
                _ => out.extend(decode_q(text)),
            }
            rest = &tail[end + 2..];
            last_was_word = true;
        } else {
            out.extend_from_slice(rest.as_bytes());
            rest = "";
        }
    }
    String::from_utf8(out).expect("utf-8 header")
}

fn decode_q(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: None,
        password: None,
        from: "\"mamori 通知\" <mamori@hospital.example.jp>".into(),
    }
}

const SUBJECT: &str =
    "【警告】ランサムウェアの兆候を検知しました（電子カルテサーバ 10.0.0.5）— 至急ご確認ください";
const BODY: &str = "情報システム担当者様\n\nmamori が以下の危険を検知しました。\n\n・FortiOS CVE-2018-13379（KEV 掲載、ランサムウェアで悪用）\n・対象: 10.0.0.5\n\n.先頭のドットも正しく届くこと\n";

#[tokio::test]
async fn japanese_mail_with_auth() {
    let (port, sessions) = start_smtp().await;
    let mut s = settings(port);
    s.username = Some("alert-user".into());
    s.password = Some("s3cret-パスワード".into());
    assert!(!format!("{s:?}").contains("s3cret"));
    let to = vec![
        "it-admin@hospital.example.jp".to_owned(),
        "院長 <director@hospital.example.jp>".to_owned(),
    ];
    send_mail(&s, &to, SUBJECT, BODY).await.expect("send");

    let sessions = sessions.lock().expect("lock").clone();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert!(session.ehlo.is_some());
    assert_eq!(
        session.auth,
        Some(("alert-user".to_owned(), "s3cret-パスワード".to_owned()))
    );
    assert_eq!(
        session.mail_from.as_deref(),
        Some("<mamori@hospital.example.jp>")
    );
    assert_eq!(
        session.rcpt_to,
        vec![
            "<it-admin@hospital.example.jp>".to_owned(),
            "<director@hospital.example.jp>".to_owned()
        ]
    );
    let data = session.data.as_deref().expect("message");
    assert!(data.is_ascii(), "headers and body must be 7-bit encoded");
    let (headers, body) = parse_message(data);
    assert_eq!(decode_words(header(&headers, "subject")), SUBJECT);
    let from = decode_words(header(&headers, "from"));
    assert!(
        from.contains("mamori 通知") && from.contains("<mamori@hospital.example.jp>"),
        "{from}"
    );
    let to_header = decode_words(header(&headers, "to"));
    assert!(
        to_header.contains("院長") && to_header.contains("it-admin@hospital.example.jp"),
        "{to_header}"
    );
    assert!(
        header(&headers, "content-type")
            .to_ascii_lowercase()
            .contains("charset=utf-8")
    );
    assert_eq!(header(&headers, "content-transfer-encoding"), "base64");
    let body: String = body.split_whitespace().collect();
    let decoded = String::from_utf8(BASE64.decode(body.as_bytes()).expect("base64 body"))
        .expect("utf-8 body");
    assert_eq!(decoded.replace("\r\n", "\n"), BODY);
}

#[tokio::test]
async fn mail_without_auth_and_line_breaks_in_subject() {
    let (port, sessions) = start_smtp().await;
    send_mail(
        &settings(port),
        &["it-admin@hospital.example.jp".to_owned()],
        "件名\r\nBcc: victim@example.org",
        "本文",
    )
    .await
    .expect("send");
    let sessions = sessions.lock().expect("lock").clone();
    let session = &sessions[0];
    assert_eq!(session.auth, None);
    let (headers, _) = parse_message(session.data.as_deref().expect("message"));
    assert!(
        headers.iter().all(|(n, _)| n != "bcc"),
        "header injection: {headers:?}"
    );
    assert_eq!(
        decode_words(header(&headers, "subject")),
        "件名  Bcc: victim@example.org"
    );
}

#[tokio::test]
async fn starttls_is_required_when_configured() {
    // The receiver offers no STARTTLS: the mail must not go out in clear.
    let (port, sessions) = start_smtp().await;
    let mut s = settings(port);
    s.security = Security::StartTls;
    s.username = Some("alert-user".into());
    s.password = Some("s3cret".into());
    let err = send_mail(&s, &["a@hospital.example.jp".to_owned()], "件名", "本文")
        .await
        .expect_err("no STARTTLS offered");
    assert!(matches!(err, NetError::Mail { .. }), "{err:?}");
    assert!(!err.to_string().contains("s3cret"));
    let sessions = sessions.lock().expect("lock").clone();
    assert!(
        sessions
            .iter()
            .all(|s| s.auth.is_none() && s.data.is_none()),
        "{sessions:?}"
    );

    // Implicit TLS to a plain-text server fails too.
    let (port, sessions) = start_smtp().await;
    let mut s = settings(port);
    s.security = Security::Tls;
    let err = send_mail(&s, &["a@hospital.example.jp".to_owned()], "件名", "本文")
        .await
        .expect_err("server does not speak TLS");
    assert!(matches!(err, NetError::Mail { .. }), "{err:?}");
    assert!(
        sessions
            .lock()
            .expect("lock")
            .iter()
            .all(|s| s.data.is_none())
    );
}

#[tokio::test]
async fn bad_addresses_and_dead_server() {
    let port = closed_port().await;
    let err = send_mail(
        &settings(port),
        &["not an address".to_owned()],
        "件名",
        "本文",
    )
    .await
    .expect_err("bad recipient");
    assert!(matches!(err, NetError::InvalidAddress { .. }), "{err:?}");
    let err = send_mail(&settings(port), &[], "件名", "本文")
        .await
        .expect_err("no recipient");
    assert!(matches!(err, NetError::Config(_)), "{err:?}");

    let err = send_mail(
        &settings(port),
        &["a@hospital.example.jp".to_owned()],
        "件名",
        "本文",
    )
    .await
    .expect_err("nothing listens");
    let msg = err.to_string();
    assert!(matches!(err, NetError::Mail { .. }), "{err:?}");
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    assert!(msg.contains("firewall"), "{msg}");
    assert!(err.is_transient());
}
