//! The live tail: its ring, pause, scroll, the wheel, stop, failures and snapshots.

use super::*;
use crate::protocol::{TailBatch, TailTarget};
use crate::tail::{RING, TailState};

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
    let (n, m) = (RING - 100, RING + 100);
    app.update(events(0..n));
    app.update(events(n..m));
    let tail = app.tail().unwrap();
    assert_eq!(tail.lines.len(), RING, "the ring is bounded");
    assert_eq!(tail.lines.back(), Some(&tail_event(m - 1)), "newest last");
    assert_eq!(tail.lines.front(), Some(&tail_event(100)));
    assert_eq!((tail.received, tail.dropped), (m as u64, 0));

    // Paused: new events are held, not shown; dropped by the task counts too.
    app.update(ch('p'));
    app.update(tail_answer(Answer::TailEvents(TailBatch::new(
        vec![tail_event(m)],
        4,
    ))));
    let tail = app.tail().unwrap();
    assert!(tail.paused);
    assert_eq!(tail.lines.back(), Some(&tail_event(m - 1)));
    assert_eq!(tail.held.len(), 1);
    assert_eq!((tail.received, tail.dropped), (m as u64 + 5, 4));
    // Resumed: what was held comes first.
    app.update(ch(' '));
    app.update(events(m + 1..m + 2));
    let tail = app.tail().unwrap();
    assert_eq!(tail.lines.back(), Some(&tail_event(m + 1)));
    assert_eq!(tail.lines[RING - 2], tail_event(m));

    // Scrolled back, the view stays on its events while new ones arrive.
    app.update(ch('k'));
    app.update(ch('k'));
    app.update(events(m + 2..m + 5));
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
    app.update(events(m + 5..m + 6));
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

/// An event as the tail of level0-1 (GRANULAR 0, 1) shows it: both PII fields decrypted.
fn output_event(n: usize) -> String {
    format!(
        "{{\"strmMeta\":{{\"schemaId\":\"clickstream\",\"nonce\":{n},\"timestamp\":{},\"keyLink\":\"k-{n}\",\"billingId\":\"bart0123456789\",\"consentLevels\":[0,1]}},\"producerSessionId\":\"session-{n}\",\"url\":\"https://www.streammachine.io/page-{}\",\"customer\":{{\"id\":\"customer-{n}\"}}}}",
        EPOCH * 1000 + n as i64,
        n % 3
    )
}

#[test]
fn the_filter_shows_matching_lines_as_typed_and_enter_inspects_one() {
    let mut app = fixed_app();
    app.update(ch('2'));
    open_tail(&mut app);
    app.update(tail_answer(Answer::TailLive));
    let lines = (0..9).map(output_event).collect();
    app.update(tail_answer(Answer::TailEvents(TailBatch::new(lines, 0))));
    app.update(ch('/'));
    type_text(&mut app, "PAGE-2");
    let tail = app.tail().unwrap();
    assert!(tail.filter_editing);
    assert_eq!(tail.shown_len(), 3, "page-2: events 2, 5 and 8");
    assert!(tail.shown().iter().all(|l| l.contains("page-2")));
    snap("tail_filtered", &app);
    app.update(key(KeyCode::Enter));
    assert!(
        !app.tail().unwrap().filter_editing,
        "enter keeps the filter"
    );
    app.update(ch('N'));
    app.update(ch('N'));
    assert_eq!(app.tail().unwrap().selected().unwrap().1, output_event(2));
    app.update(ch('n'));
    assert_eq!(app.tail().unwrap().selected().unwrap().1, output_event(5));
    // New events are filtered as they come.
    app.update(tail_answer(Answer::TailEvents(TailBatch::new(
        vec![output_event(11), output_event(12)],
        0,
    ))));
    assert_eq!(app.tail().unwrap().shown_len(), 4);

    let out = app.update(key(KeyCode::Enter));
    assert_eq!(out[0].1, Request::SchemaContract("clickstream".into()));
    app.update(reply(
        out[0].0,
        Ok(Answer::SchemaContract(super::clickstream_contract())),
    ));
    let Some(Popup::Inspector(i)) = app.popups.last() else {
        panic!("inspector expected")
    };
    let text: String = i.lines.iter().map(|l| format!("{l}\n")).collect();
    assert!(
        text.contains("\"customer-5\"\n      ↳ PII, consent level 0 (necessary): DECRYPTED"),
        "{text}"
    );
    assert!(
        text.contains("\"session-5\",\n    ↳ PII, consent level 1 (analytics): DECRYPTED"),
        "{text}"
    );
    snap("inspector_tail", &app);
    app.update(ch('y'));
    assert_eq!(app.copy_out.last().unwrap().1, output_event(5));
    app.update(key(KeyCode::Esc));
    // Esc in the filter line clears it.
    app.update(ch('/'));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.tail().unwrap().shown_len(), 11);
}

#[test]
fn s_saves_what_is_shown_to_a_file_that_is_asked_for() {
    let mut app = fixed_app();
    open_tail(&mut app);
    app.update(tail_answer(Answer::TailLive));
    app.update(events(0..20));
    app.update(ch('/'));
    type_text(&mut app, "\"nonce\":1");
    app.update(key(KeyCode::Enter));
    app.update(ch('s'));
    match app.popups.last() {
        Some(Popup::SaveTail(p)) => {
            assert_eq!(p.text, format!("strm-bart-{EPOCH}.jsonl"));
            assert!(p.title.contains("11 events"), "{}", p.title);
        }
        _ => panic!("the save prompt expected"),
    }
    snap("tail_save_prompt", &app);
    for _ in 0..format!("{EPOCH}.jsonl").len() {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, "ones.jsonl");
    let out = app.update(key(KeyCode::Enter));
    let (id, req) = out[0].clone();
    let Request::SaveLines { path, lines } = req else {
        panic!("{req:?}")
    };
    assert_eq!(path, std::path::PathBuf::from("strm-bart-ones.jsonl"));
    assert_eq!(lines.0.len(), 11, "event 1 and 10..20");
    assert!(lines.0.iter().all(|l| l.contains("\"nonce\":1")));
    // A name that exists is said in the prompt, which stays.
    app.update(reply(
        id,
        Err(ClientError::File {
            path: path.clone(),
            reason: "exists; choose another file name (nothing was overwritten)".into(),
        }),
    ));
    match app.popups.last() {
        Some(Popup::SaveTail(p)) => assert!(p.problem.as_ref().unwrap().contains("exists")),
        _ => panic!("the prompt stays"),
    }
    let out = app.update(key(KeyCode::Enter));
    app.update(reply(
        out[0].0,
        Ok(Answer::Saved {
            path: "/home/bart/strm-bart-ones.jsonl".into(),
            count: 11,
        }),
    ));
    assert!(matches!(app.popups.last(), Some(Popup::Tail(_))));
    assert!(app.flash.as_ref().unwrap().text.contains("Saved 11 events"));
}

#[test]
fn a_tail_that_loses_its_websocket_reconnects_saying_so() {
    let mut app = fixed_app();
    app.local = true;
    open_tail(&mut app);
    app.update(tail_answer(Answer::TailLive));
    app.update(events(0..3));
    let out = app.update(tail_answer(Answer::TailReconnecting {
        reason: "Connection reset without closing handshake".into(),
        attempt: 1,
    }));
    // The local server may have quit with its host: connect again (start or join).
    assert_eq!(
        out.iter().map(|(_, r)| r).collect::<Vec<_>>(),
        [&Request::Connect]
    );
    snap("tail_reconnecting", &app);
    let again = app.update(tail_answer(Answer::TailReconnecting {
        reason: "connection refused".into(),
        attempt: 2,
    }));
    assert!(again.is_empty(), "one connect per outage");
    app.update(tail_answer(Answer::TailLive));
    app.update(events(3..5));
    let tail = app.tail().unwrap();
    assert_eq!(
        (tail.state.clone(), tail.reconnects, tail.received),
        (TailState::Live, 1, 5)
    );
    assert!(screen(&app, 80, 24).contains("● live (reconnected)  received 5"));
}

#[test]
fn a_tail_without_a_secret_takes_one_pasted_and_starts_again() {
    let mut app = fixed_app();
    open_tail(&mut app);
    app.update(tail_answer(Answer::TailNoSecret {
        file: "/home/bart/.config/strm-tui/client-secrets.json".into(),
        stale: false,
    }));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.form().unwrap().title(), "Client secret");
    app.update(Msg::Paste("Z^H^s_Xdm!h9W\n".into()));
    snap("tail_paste_secret", &app);
    let out = app.update(key(KeyCode::Enter));
    let (id, req) = out[0].clone();
    assert_eq!(
        req,
        Request::SaveSecret {
            target: TailTarget {
                name: "bart".into(),
                client_id: "3p5hau1zunkyba0aaaaaaaaaaaaaaa".into(),
                output_of: None,
            },
            secret: crate::protocol::Secret("Z^H^s_Xdm!h9W".into()),
        }
    );
    // A wrong secret is said in the form, which stays.
    app.update(reply(
        id,
        Err(ClientError::Invalid(strm_model::Invalid::new(
            "clientSecret",
            "is not the secret of stream bart",
            "paste the clientSecret the API showed when it was created",
        ))),
    ));
    assert!(
        app.form()
            .unwrap()
            .server_error
            .as_ref()
            .unwrap()
            .contains("is not the secret")
    );
    let out = app.update(key(KeyCode::Enter));
    app.next_id = 200;
    let restarted = app.update(reply(out[0].0, Ok(Answer::SecretSaved)));
    assert!(app.form().is_none());
    assert_eq!(restarted[0].1, Request::StopTail(100));
    let (id, Request::Tail(t)) = &restarted[1] else {
        panic!("{restarted:?}")
    };
    assert_eq!(t.name, "bart");
    let tail = app.tail().unwrap();
    assert_eq!((tail.id, tail.state.clone()), (*id, TailState::Connecting));
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("Saved the client secret of bart")
    );
}
