//! `update` tests (message in → state and worker requests out) and screen snapshots
//! drawn with ratatui's `TestBackend` from fixed data (no clock, no randomness), split
//! by concern; the fixtures they share are here.

mod connection;
mod contracts;
mod edges;
mod forms;
mod observe;
mod popups;
mod tables;
mod tail;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{App, Conn, ERROR_LOG_MAX, Popup, Tab};
use super::keymap::Keymap;
use super::protocol::{Answer, Created, Listed, Request, Response, SessionInfo};
use super::theme::{Theme, ThemeName};
use super::update::Msg;
use super::views;
use strm_client::ClientError;
use strm_model::*;

const EPOCH: i64 = 1_800_000_000;

/// The built-in clickstream schema's contract, as the server serves it.
pub(crate) fn clickstream_contract() -> SchemaContract {
    SchemaContract {
        schema_id: "clickstream".into(),
        key_field: "producerSessionId".into(),
        pii_fields: [
            ("customer/id".to_string(), 0),
            ("producerSessionId".to_string(), 1),
        ]
        .into_iter()
        .collect(),
    }
}

fn session() -> SessionInfo {
    SessionInfo {
        email: "bart@local".into(),
        billing_id: "bart0123456789".into(),
        expires_at: EPOCH + 3000,
    }
}

fn creds(id: &str) -> Credentials {
    Credentials {
        client_id: id.into(),
        client_secret: None,
    }
}

fn fixed_app() -> App {
    let mut app = App::new(Keymap::default(), Theme::of(ThemeName::Mono));
    app.now = Instant::now();
    app.epoch = EPOCH;
    app.api_url = Some("http://127.0.0.1:8642".into());
    app.local = true;
    app.session = Some(session());
    app.conn = Conn::Online;
    app.data.streams = vec![
        Stream {
            name: "bart".into(),
            description: Some("web shop clicks".into()),
            tags: vec!["shop".into()],
            credentials: creds("3p5hau1zunkyba0aaaaaaaaaaaaaaa"),
        },
        Stream {
            name: "alpha".into(),
            description: None,
            tags: vec![],
            credentials: creds("alphaclientid00000000000000000"),
        },
        Stream {
            name: "zulu".into(),
            description: Some("mobile app".into()),
            tags: vec!["app".into(), "beta".into()],
            credentials: creds("zuluclientid000000000000000000"),
        },
    ];
    app.data.outputs = vec![Output {
        linked_stream: "bart".into(),
        name: "level0-1".into(),
        description: None,
        tags: vec![],
        credentials: creds("wvs5pkr6q48aaaaaaaaaaaaaaaaaaa"),
        consent_level_type: ConsentLevelType::Granular,
        consent_levels: vec![0, 1],
        decrypter_name: "default".into(),
    }];
    app.data.sinks = vec![Sink {
        sink_type: SinkType::S3,
        sink_name: "s3-bart".into(),
        bucket_name: "bart-bucket".into(),
    }];
    app.data.exporters = vec![Exporter {
        name: "s3".into(),
        linked_stream: "level0-1".into(),
        sink_name: "s3-bart".into(),
        sink_type: SinkType::S3,
        interval_secs: 30,
        exporter_type: ExporterType::Batch,
        path_prefix: Some("level01".into()),
        export_keys: false,
    }];
    app.data.consent_levels = vec![
        ConsentLevel {
            id: 0,
            name: "necessary".into(),
        },
        ConsentLevel {
            id: 1,
            name: "analytics".into(),
        },
    ];
    app.recompute_all();
    app
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

fn type_text(app: &mut App, text: &str) -> Vec<(u64, Request)> {
    text.chars().flat_map(|c| app.update(ch(c))).collect()
}

/// On a confirmation that wants `name` typed: Delete is refused until it is, then sends.
fn confirm_by_typing(app: &mut App, name: &str) -> Vec<(u64, Request)> {
    app.update(key(KeyCode::Right));
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "{name:?} is not typed yet"
    );
    type_text(app, name);
    app.update(key(KeyCode::Enter))
}

/// What deleting the seed's stream `bart` (with its outputs and exporters) sends.
fn delete_bart() -> Request {
    Request::DeleteStream {
        name: "bart".into(),
        recursive: true,
    }
}

fn reply(id: u64, result: Result<Answer, ClientError>) -> Msg {
    Msg::Reply(Box::new(Response {
        id,
        result,
        session: Some(session()),
    }))
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

fn snap(name: &str, app: &App) {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(app, w, h));
    }
}
