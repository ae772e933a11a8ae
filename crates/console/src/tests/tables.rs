//! The main screen: navigation, filter, sort, drill-down, the mouse, and the tabs'
//! snapshots.

use std::time::Duration;

use super::*;

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
