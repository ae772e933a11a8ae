//! Connecting, loading, stale answers, login and the back-off while offline.

use std::time::Duration;

use super::*;
use crate::forms::FormKind;

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
            Request::ListConsentLevels,
            Tab::DataContracts.kind().list(&app.data, None).unwrap(),
            Tab::DataSubjects.kind().list(&app.data, None).unwrap(),
            Request::Usage {
                span_secs: 600,
                by: 10
            }
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
    assert_eq!(app.form().map(|f| f.kind), Some(FormKind::Login));
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
    assert_eq!(app.form().map(|f| f.kind), Some(FormKind::Login));
    assert_eq!(app.tab, Tab::Sinks);
    assert_eq!(app.data.sinks.len(), 1);
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
    assert_eq!(retry.len(), Tab::COUNT + 1, "every list and the usage");
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
fn idle_app_has_no_deadline() {
    let mut app = fixed_app();
    app.next_refresh = None;
    assert_eq!(app.next_deadline(), None);
}
