//! `update` tests (message in → state and worker requests out) and screen snapshots
//! drawn with ratatui's `TestBackend` from fixed data (no clock, no randomness).

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{App, Conn, ERROR_LOG_MAX, Popup, Tab};
use super::keymap::Keymap;
use super::protocol::{Answer, Created, Listed, Request, Response, SessionInfo};
use super::theme::{Theme, ThemeName};
use super::update::Msg;
use super::{forms, views};
use strm_client::ClientError;
use strm_model::*;

const EPOCH: i64 = 1_800_000_000;

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

// ---- update ------------------------------------------------------------------------------

#[test]
fn start_connects_then_loads_every_tab() {
    let mut app = App::new(Keymap::default(), Theme::of(ThemeName::Mono));
    let out = app.start();
    assert_eq!(out, vec![(1, Request::Connect)]);
    let out = app.update(reply(
        1,
        Ok(Answer::Connected {
            api_url: "http://127.0.0.1:1".into(),
            local: true,
            session: Some(session()),
        }),
    ));
    let reqs: Vec<Request> = out.into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        reqs,
        vec![
            Request::ListStreams,
            Request::ListOutputs(None),
            Request::ListSinks,
            Request::ListExporters,
            Request::ListConsentLevels
        ]
    );
    assert!(app.local && app.conn == Conn::Online);
}

#[test]
fn a_remote_api_without_credentials_asks_for_login() {
    let mut app = App::new(Keymap::default(), Theme::of(ThemeName::Mono));
    app.start();
    let out = app.update(reply(
        1,
        Ok(Answer::Connected {
            api_url: "https://api.example".into(),
            local: false,
            session: None,
        }),
    ));
    assert!(out.is_empty());
    assert_eq!(app.form().map(|f| f.kind), Some(forms::FormKind::Login));
}

#[test]
fn stale_list_answers_are_dropped() {
    let mut app = fixed_app();
    let first = app.update(ch('r'));
    let second = app.update(ch('r'));
    let old_streams = first[0].0;
    let new_streams = second[0].0;
    app.update(reply(
        new_streams,
        Ok(Answer::Listed(Listed::Streams(vec![]))),
    ));
    assert!(app.data.streams.is_empty());
    let fixed = fixed_app().data.streams;
    app.update(reply(
        old_streams,
        Ok(Answer::Listed(Listed::Streams(fixed))),
    ));
    assert!(app.data.streams.is_empty(), "the older answer must not win");
}

#[test]
fn navigation_filter_and_sort() {
    let mut app = fixed_app();
    app.update(ch('j'));
    assert_eq!(app.selected_index(), Some(1));
    app.update(ch('G'));
    assert_eq!(app.selected_index(), Some(2));
    // Filter keeps the selected row selected when it still matches.
    type_text(&mut app, "/zul");
    assert!(app.filter_editing);
    assert_eq!(app.table().rows, vec![2]);
    assert_eq!(app.selected_index(), Some(2));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.table().rows.len(), 3);
    assert_eq!(app.selected_index(), Some(2), "selection follows the row");
    app.update(ch('s'));
    let names: Vec<_> = app
        .table()
        .rows
        .iter()
        .map(|&i| app.data.streams[i].name.clone())
        .collect();
    assert_eq!(names, vec!["alpha", "bart", "zulu"]);
    app.update(ch('S'));
    let first = app.table().rows[0];
    assert_eq!(app.data.streams[first].name, "zulu");
    app.update(ch('4'));
    assert_eq!(app.tab, Tab::Exporters);
    app.update(key(KeyCode::Tab));
    assert_eq!(app.tab, Tab::ConsentLevels);
}

#[test]
fn enter_drills_into_a_stream_and_esc_goes_back() {
    let mut app = fixed_app();
    app.update(key(KeyCode::Enter));
    assert_eq!(app.tab, Tab::Outputs);
    assert_eq!(app.scope.as_deref(), Some("bart"));
    assert_eq!(app.table().rows.len(), 1);
    app.update(ch('4'));
    assert_eq!(
        app.table().rows.len(),
        1,
        "the output's exporter is in scope"
    );
    app.update(key(KeyCode::Esc));
    assert_eq!(app.tab, Tab::Streams);
    assert_eq!(app.scope, None);
}

#[test]
fn create_stream_form_refuses_invalid_keeps_input_on_server_error_and_shows_secret() {
    let mut app = fixed_app();
    app.update(ch('n'));
    type_text(&mut app, "Bad");
    let out = app.update(key(KeyCode::Enter));
    assert!(out.is_empty(), "an invalid form is not sent");
    let form = app.form().unwrap();
    assert!(
        form.fields()[0]
            .error
            .as_ref()
            .unwrap()
            .contains("\"Bad\" contains 'B'")
    );
    for _ in 0..3 {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, "web");
    let out = app.update(key(KeyCode::Enter));
    let (id, req) = out[0].clone();
    assert_eq!(
        req,
        Request::CreateStream(StreamCreate {
            name: "web".into(),
            description: None,
            tags: vec![]
        })
    );
    app.update(reply(
        id,
        Err(ClientError::Api {
            status: 409,
            message: "stream web already exists".into(),
        }),
    ));
    let form = app.form().expect("the form stays open");
    assert_eq!(form.field("name"), "web");
    assert!(
        form.server_error
            .as_ref()
            .unwrap()
            .contains("already exists")
    );
    let out = app.update(key(KeyCode::Enter));
    let (id, _) = out[0].clone();
    let created = Stream {
        name: "web".into(),
        description: None,
        tags: vec![],
        credentials: Credentials {
            client_id: "webid".into(),
            client_secret: Some("Z^H^s_Xdm!h9W".into()),
        },
    };
    app.update(reply(id, Ok(Answer::Created(Created::Stream(created)))));
    assert!(app.form().is_none());
    match app.popups.last() {
        Some(Popup::Credentials(c)) => {
            assert_eq!(c.client_secret.as_deref(), Some("Z^H^s_Xdm!h9W"));
            assert!(!c.revealed);
        }
        _ => panic!("credentials popup expected"),
    }
    app.update(ch('s'));
    app.update(ch('e'));
    assert_eq!(
        app.copy_out[0],
        ("clientSecret".into(), "Z^H^s_Xdm!h9W".into())
    );
    assert_eq!(
        app.copy_out[1].1,
        "export STRM_BILLING_ID='bart0123456789'\nexport STRM_CLIENT_ID='webid'\nexport STRM_CLIENT_SECRET='Z^H^s_Xdm!h9W'\n"
    );
}

#[test]
fn login_required_opens_the_login_form_without_losing_the_view() {
    let mut app = fixed_app();
    app.update(ch('3'));
    let out = app.update(ch('r'));
    app.update(reply(
        out[2].0,
        Err(ClientError::LoginRequired {
            api: "x".into(),
            reason: "expired".into(),
        }),
    ));
    assert_eq!(app.form().map(|f| f.kind), Some(forms::FormKind::Login));
    assert_eq!(app.tab, Tab::Sinks);
    assert_eq!(app.data.sinks.len(), 1);
}

#[test]
fn delete_defaults_to_cancel_and_streams_need_their_name_typed() {
    let mut app = fixed_app();
    app.update(ch('d'));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(app.popups.is_empty(), "Enter on the default button cancels");
    app.update(ch('d'));
    match app.popups.last() {
        Some(Popup::Confirm(c)) => {
            assert!(c.lines.iter().any(|l| l.contains("level0-1")));
            assert!(c.lines.iter().any(|l| l.contains("s3 (on level0-1)")));
        }
        _ => panic!("confirm expected"),
    }
    app.update(key(KeyCode::Right));
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "name not typed yet"
    );
    type_text(&mut app, "bart");
    let out = app.update(key(KeyCode::Enter));
    assert_eq!(
        out[0].1,
        Request::DeleteStream {
            name: "bart".into(),
            recursive: true
        }
    );
}

#[test]
fn offline_answers_back_off_and_retry() {
    let mut app = fixed_app();
    app.local = false;
    let out = app.update(ch('r'));
    app.update(reply(
        out[0].0,
        Err(ClientError::Unreachable {
            api: "x".into(),
            reason: "connection refused".into(),
        }),
    ));
    let Conn::Offline { attempt, retry_at } = app.conn else {
        panic!("offline expected")
    };
    assert_eq!(attempt, 1);
    for (id, _) in &out[1..] {
        app.update(reply(
            *id,
            Ok(Answer::Listed(Listed::Sinks(app.data.sinks.clone()))),
        ));
    }
    app.conn = Conn::Offline { attempt, retry_at };
    assert!(app.update(Msg::Tick).is_empty(), "not due yet");
    app.now = retry_at + Duration::from_millis(1);
    let retry = app.update(Msg::Tick);
    assert_eq!(retry.len(), 5);
    assert!(!app.errors.is_empty(), "the outage is in the error log");
    // Every list of the retry fails: one more attempt, a longer wait.
    for (id, _) in &retry {
        app.update(reply(
            *id,
            Err(ClientError::Timeout {
                api: "x".into(),
                secs: 20,
            }),
        ));
    }
    match app.conn {
        Conn::Offline {
            attempt: 2,
            retry_at,
        } => {
            assert_eq!(retry_at - app.now, Duration::from_secs(4))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn command_line_completes_and_runs() {
    let mut app = fixed_app();
    app.update(ch(':'));
    type_text(&mut app, "si");
    app.update(key(KeyCode::Tab));
    match app.popups.last() {
        Some(Popup::Command(c)) => assert_eq!(c.text, "sinks"),
        _ => panic!(),
    }
    app.update(key(KeyCode::Enter));
    assert_eq!(app.tab, Tab::Sinks);
    app.update(ch(':'));
    type_text(&mut app, "q");
    app.update(key(KeyCode::Enter));
    assert!(app.quit);
}

#[test]
fn idle_app_has_no_deadline() {
    let mut app = fixed_app();
    app.next_refresh = None;
    assert_eq!(app.next_deadline(), None);
}

// ---- snapshots ---------------------------------------------------------------------------

#[test]
fn snapshot_tabs_with_detail() {
    let mut app = fixed_app();
    for (n, name) in ["streams", "outputs", "sinks", "exporters", "consent_levels"]
        .iter()
        .enumerate()
    {
        app.update(ch(char::from(b'1' + n as u8)));
        snap(&format!("tab_{name}"), &app);
    }
}

#[test]
fn snapshot_filter_drill_and_small() {
    let mut app = fixed_app();
    type_text(&mut app, "/shop");
    snap("filter", &app);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Enter));
    snap("drilled_outputs", &app);
    insta::assert_snapshot!("too_small", screen(&app, 40, 10));
}

#[test]
fn snapshot_read_only_and_offline() {
    let mut app = fixed_app();
    app.read_only = true;
    app.conn = Conn::Offline {
        attempt: 1,
        retry_at: app.now + Duration::from_secs(2),
    };
    app.update(ch('n'));
    assert!(app.popups.is_empty(), "no create form in read-only mode");
    app.update(ch('3'));
    snap("read_only_offline", &app);
}

fn open_form(app: &mut App, tab: char) {
    app.popups.clear();
    app.update(ch(tab));
    app.update(ch('n'));
}

#[test]
fn snapshot_forms_empty_invalid_and_server_error() {
    let mut app = fixed_app();
    for (tab, name, bad) in [
        ('1', "stream", vec![("name", "Bad Name"), ("tags", ",")]),
        (
            '2',
            "output",
            vec![("name", "-x"), ("consent levels", "1,-3")],
        ),
        (
            '3',
            "sink",
            vec![
                ("name", "s3"),
                ("bucket", "s3://b"),
                ("credentials JSON", "{not json"),
            ],
        ),
        (
            '4',
            "exporter",
            vec![
                ("name", "e1"),
                ("interval (s)", "5"),
                ("path prefix", "/abs"),
            ],
        ),
        ('5', "consent_level", vec![("id", "9999"), ("name", " ")]),
    ] {
        open_form(&mut app, tab);
        snap(&format!("form_{name}_empty"), &app);
        let Some(Popup::Form(form)) = app.popups.last_mut() else {
            panic!()
        };
        for (field, value) in bad {
            form.set_field(field, value);
        }
        form.submitted = true;
        snap(&format!("form_{name}_invalid"), &app);
        let Some(Popup::Form(form)) = app.popups.last_mut() else {
            panic!()
        };
        form.server_error = Some("name already taken (HTTP 409)".into());
        snap(&format!("form_{name}_server_error"), &app);
    }
    app.popups.clear();
    app.session = None;
    app.update(ch('L'));
    snap("form_login_empty", &app);
    type_text(&mut app, "no-at-sign");
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "short");
    app.update(key(KeyCode::Enter));
    snap("form_login_invalid", &app);
}

#[test]
fn snapshot_confirm_credentials_help_errors() {
    let mut app = fixed_app();
    app.update(ch('d'));
    type_text(&mut app, "ba");
    snap("confirm_delete_stream", &app);
    app.popups.clear();
    app.popups
        .push(Popup::Credentials(super::app::CredentialsView {
            name: "web".into(),
            billing_id: "bart0123456789".into(),
            client_id: "webclientid0000000000000000000".into(),
            client_secret: Some("Z^H^s_Xdm!h9W(pP2x#q.vb-88aKq0".into()),
            revealed: false,
            just_created: true,
        }));
    snap("credentials_masked", &app);
    app.update(ch('v'));
    snap("credentials_revealed", &app);
    app.popups.clear();
    app.update(ch('?'));
    snap("help", &app);
    app.popups.clear();
    app.log_error("cannot reach http://127.0.0.1:9: connection refused".into());
    app.update(ch('E'));
    snap("error_log", &app);
}

#[test]
fn a_suggested_value_is_replaced_by_typing() {
    let mut app = fixed_app();
    app.update(ch('4'));
    app.update(ch('n'));
    for _ in 0..3 {
        app.update(key(KeyCode::Tab));
    }
    type_text(&mut app, "45");
    assert_eq!(app.form().unwrap().field("interval (s)"), "45");
}

#[test]
fn saved_secret_and_token_are_copied_through_the_worker() {
    let mut app = fixed_app();
    let out = app.update(ch('Y'));
    assert_eq!(
        out[0].1,
        Request::SavedSecret {
            name: "bart".into()
        }
    );
    app.update(reply(
        out[0].0,
        Ok(Answer::SavedSecret(Some("s3cr3t".into()))),
    ));
    assert_eq!(app.copy_out, vec![("clientSecret".into(), "s3cr3t".into())]);
    app.copy_out.clear();
    let out = app.update(ch('Y'));
    app.update(reply(out[0].0, Ok(Answer::SavedSecret(None))));
    assert!(app.copy_out.is_empty());
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("No saved secret for bart")
    );
    let out = app.update(ch('T'));
    assert_eq!(out[0].1, Request::AccessToken);
    app.update(reply(
        out[0].0,
        Ok(Answer::Token(super::protocol::Secret("tok".into()))),
    ));
    assert_eq!(app.copy_out, vec![("access token".into(), "tok".into())]);
    app.copied("access token", Ok(super::clipboard::Method::Osc52));
    assert_eq!(
        app.flash.as_ref().unwrap().text,
        "Copied access token (OSC 52 terminal clipboard)"
    );
}

#[test]
fn mouse_wheel_and_click_select_rows() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = fixed_app();
    screen(&app, 120, 40); // lays out the table
    let at = |kind, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(at(MouseEventKind::ScrollDown, 10));
    assert_eq!(app.table().selected, 2);
    // Rows start under the tabs (2), the border (1) and the header (1).
    app.update(at(MouseEventKind::Down(MouseButton::Left), 5));
    assert_eq!(app.table().selected, 1);
}

#[test]
fn config_file_keys_drive_dispatch_help_and_hints() {
    let dir = tempfile::tempdir().unwrap();
    let paths = strm_client::paths::Paths::under(dir.path());
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    std::fs::write(
        paths.config_file(),
        "refresh_secs = 0\n[keys]\nquit = \"ctrl-q\"\nhelp = \"j\"\n",
    )
    .unwrap();
    let (mut app, _) = super::build_app(
        &super::ConsoleOptions::default(),
        &paths,
        std::sync::Arc::new(strm_client::backend::RemoteOnly {
            paths: paths.clone(),
        }),
    );
    assert_eq!(app.refresh_every, None);
    assert!(
        app.errors
            .iter()
            .any(|e| e.text.contains("j is bound to both help and down")),
        "{:?}",
        app.errors
    );
    app.update(ch('q'));
    assert!(!app.quit);
    app.epoch = EPOCH;
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("ctrl-q quit"), "{shown}");
    app.update(ch('j'));
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("ctrl-q"), "help lists the override");
    app.popups.clear();
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

#[test]
fn the_error_log_keeps_the_newest_entries_only() {
    let mut app = fixed_app();
    for i in 0..ERROR_LOG_MAX + 25 {
        app.log_error(format!("failure {i}"));
    }
    assert_eq!(app.errors.len(), ERROR_LOG_MAX);
    assert_eq!(app.errors[0].text, "failure 25");
    assert_eq!(
        app.errors.last().unwrap().text,
        format!("failure {}", ERROR_LOG_MAX + 24)
    );
}

// ---- live tail ---------------------------------------------------------------------------

use super::protocol::{TailBatch, TailTarget};
use super::tail::{RING, TailState};

/// A fixed event as a stream's tail shows it (PII encrypted).
fn tail_event(n: usize) -> String {
    format!(
        "{{\"strmMeta\":{{\"schemaId\":\"clickstream\",\"nonce\":{n},\"timestamp\":{},\"keyLink\":\"0f0e0d0c-{n:04}\",\"billingId\":\"bart0123456789\",\"consentLevels\":[0,1]}},\"producerSessionId\":\"AVj{n:04}enc\",\"url\":\"https://www.streammachine.io/rules\",\"customer\":{{\"id\":\"AVj{n:04}cust\"}}}}",
        EPOCH * 1000 + n as i64
    )
}

fn events(ns: std::ops::Range<usize>) -> Msg {
    let lines = ns.map(tail_event).collect();
    tail_answer(Answer::TailEvents(TailBatch::new(lines, 0)))
}

fn tail_answer(answer: Answer) -> Msg {
    Msg::Reply(Box::new(Response {
        id: 100,
        result: Ok(answer),
        session: None,
    }))
}

/// Opens the tail of the selected row; its request gets id 100 for `tail_answer`.
fn open_tail(app: &mut App) -> Vec<(u64, Request)> {
    app.next_id = 100;
    app.update(ch('t'))
}

#[test]
fn t_opens_a_tail_that_keeps_the_newest_events_and_esc_stops_it() {
    let mut app = fixed_app();
    app.next_refresh = None;
    let out = open_tail(&mut app);
    assert_eq!(
        out,
        vec![(
            100,
            Request::Tail(TailTarget {
                name: "bart".into(),
                client_id: "3p5hau1zunkyba0aaaaaaaaaaaaaaa".into(),
                output_of: None,
            })
        )]
    );
    assert!(!app.busy(), "a tail is not a request in flight");
    assert_eq!(app.next_deadline(), None, "an open tail sets no timer");
    app.update(tail_answer(Answer::TailLive));
    assert_eq!(app.tail().unwrap().state, TailState::Live);
    app.update(events(0..300));
    app.update(events(300..600));
    let tail = app.tail().unwrap();
    assert_eq!(tail.lines.len(), RING, "the ring is bounded");
    assert_eq!(tail.lines.back(), Some(&tail_event(599)), "newest last");
    assert_eq!(tail.lines.front(), Some(&tail_event(100)));
    assert_eq!((tail.received, tail.dropped), (600, 0));

    // Paused: new events are counted, not kept; dropped by the task counts too.
    app.update(ch('p'));
    app.update(tail_answer(Answer::TailEvents(TailBatch::new(
        vec![tail_event(600)],
        4,
    ))));
    let tail = app.tail().unwrap();
    assert!(tail.paused);
    assert_eq!(tail.lines.back(), Some(&tail_event(599)));
    assert_eq!((tail.received, tail.dropped), (605, 5));
    app.update(ch(' '));
    app.update(events(601..602));
    assert_eq!(app.tail().unwrap().lines.back(), Some(&tail_event(601)));

    // Scrolled back, the view stays on its events while new ones arrive.
    app.update(ch('k'));
    app.update(ch('k'));
    app.update(events(602..605));
    assert_eq!(app.tail().unwrap().scroll, 5);
    app.update(ch('G'));
    assert_eq!(app.tail().unwrap().scroll, 0);
    let wheel = |kind| {
        Msg::Mouse(crossterm::event::MouseEvent {
            kind,
            column: 5,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(wheel(crossterm::event::MouseEventKind::ScrollUp));
    assert_eq!(app.tail().unwrap().scroll, 3, "the wheel scrolls the tail");
    app.update(wheel(crossterm::event::MouseEventKind::ScrollDown));
    assert_eq!(app.tail().unwrap().scroll, 0);
    assert!(
        app.update(ch('t')).is_empty(),
        "t in the tail opens nothing"
    );

    let out = app.update(key(KeyCode::Esc));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1, Request::StopTail(100));
    assert!(app.popups.is_empty());
    // A batch already on its way when the tail closed changes nothing.
    app.update(events(605..606));
    assert!(app.tail().is_none() && app.popups.is_empty());
}

#[test]
fn tail_targets_outputs_refuses_other_tabs_and_works_read_only() {
    let mut app = fixed_app();
    app.read_only = true;
    app.update(ch('2'));
    let out = open_tail(&mut app);
    assert_eq!(
        out[0].1,
        Request::Tail(TailTarget {
            name: "level0-1".into(),
            client_id: "wvs5pkr6q48aaaaaaaaaaaaaaaaaaa".into(),
            output_of: Some("bart".into()),
        })
    );
    assert!(!out[0].1.mutates(), "read-only mode allows tailing");
    app.update(key(KeyCode::Esc));
    app.update(ch('3'));
    assert!(app.update(ch('t')).is_empty());
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("Select a stream or an output")
    );
}

#[test]
fn a_failing_tail_says_why_and_logs_it() {
    let mut app = fixed_app();
    open_tail(&mut app);
    app.update(Msg::Reply(Box::new(Response {
        id: 100,
        result: Err(ClientError::Api {
            status: 401,
            message: "wrong clientId/clientSecret".into(),
        }),
        session: None,
    })));
    assert!(matches!(
        &app.tail().unwrap().state,
        TailState::Failed(e) if e.contains("HTTP 401")
    ));
    assert!(
        app.errors
            .iter()
            .any(|e| e.text.contains("tail of stream bart"))
    );
    assert!(
        app.session.is_some(),
        "a tail error does not log the user out"
    );
}

#[test]
fn snapshot_tail_live_paused_and_without_secret() {
    let mut app = fixed_app();
    open_tail(&mut app);
    app.update(tail_answer(Answer::TailLive));
    snap("tail_waiting", &app);
    app.update(events(0..40));
    snap("tail_stream_live", &app);
    app.update(ch('w'));
    snap("tail_stream_wrapped", &app);
    app.update(key(KeyCode::Esc));

    app.update(ch('2'));
    open_tail(&mut app);
    app.update(tail_answer(Answer::TailLive));
    app.update(events(0..3));
    app.update(ch('p'));
    app.update(events(3..5));
    snap("tail_output_paused", &app);
    app.update(key(KeyCode::Esc));

    app.update(ch('1'));
    open_tail(&mut app);
    app.update(tail_answer(Answer::TailNoSecret {
        file: "/home/bart/.config/strm-tui/client-secrets.json".into(),
        stale: false,
    }));
    snap("tail_no_secret", &app);
}
