//! The bindings of the views that show the data flow: the x-ray, the pulse, the bucket
//! browser, the event inspector and the save prompt.

use crossterm::event::KeyCode as K;

use super::{Action as A, Binding, Context, Key, b};

pub(super) fn bindings() -> Vec<Binding> {
    let ch = Key::ch;
    let code = Key::code;
    let ctrl = Key::ctrl;
    // Moving through a list, the same keys in every view.
    let moves = |c: Context| {
        [
            b(c, A::Up, &[code(K::Up), ch('k')]),
            b(c, A::Down, &[code(K::Down), ch('j')]),
            b(c, A::PageUp, &[code(K::PageUp), ctrl('b')]),
            b(c, A::PageDown, &[code(K::PageDown), ctrl('f')]),
            b(c, A::Top, &[code(K::Home), ch('g')]),
            b(c, A::Bottom, &[code(K::End), ch('G')]),
        ]
    };
    let mut v = Vec::new();
    v.push(
        b(Context::Xray, A::Open, &[code(K::Enter)])
            .hint("jump")
            .help_as("jump to the resource"),
    );
    v.push(b(Context::Xray, A::Collapse, &[code(K::Left), ch('h')]).hint("fold"));
    v.push(b(Context::Xray, A::Expand, &[code(K::Right), ch('l')]).hint("unfold"));
    v.extend(moves(Context::Xray));
    v.push(b(Context::Xray, A::Refresh, &[ch('r')]).hint("refresh"));
    v.push(b(Context::Xray, A::Close, &[code(K::Esc), ch('q')]).hint("close"));

    v.extend(moves(Context::Pulse));
    v.push(b(Context::Pulse, A::Refresh, &[ch('r')]).hint("refresh"));
    v.push(b(Context::Pulse, A::Close, &[code(K::Esc), ch('q')]).hint("close"));

    v.push(
        b(Context::Buckets, A::Open, &[code(K::Enter)])
            .hint("open")
            .help_as("open the sink, folder, object or event"),
    );
    v.push(
        b(
            Context::Buckets,
            A::Back,
            &[code(K::Left), ch('h'), code(K::Backspace)],
        )
        .hint("up")
        .help_as("up a level"),
    );
    v.extend(moves(Context::Buckets));
    v.push(b(Context::Buckets, A::Refresh, &[ch('r')]).hint("refresh"));
    v.push(b(Context::Buckets, A::Close, &[code(K::Esc), ch('q')]).hint("close"));

    v.extend(moves(Context::Inspector));
    v.push(b(Context::Inspector, A::CopyEvent, &[ch('y')]).hint("copy"));
    v.push(b(Context::Inspector, A::Close, &[code(K::Esc), ch('q')]).hint("close"));

    v.push(
        b(Context::Prompt, A::Submit, &[code(K::Enter)])
            .hint("save")
            .help_as("save to the file named"),
    );
    v.push(b(Context::Prompt, A::Cancel, &[code(K::Esc)]).hint("cancel"));
    v
}
