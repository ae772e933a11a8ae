//! The bindings of the views that show the data flow: the x-ray, the pulse, the bucket
//! browser, the event inspector and the save prompt.

use crossterm::event::KeyCode as K;

use super::{Action as A, Binding, Context, Key, b, moves};

pub(super) fn bindings() -> Vec<Binding> {
    let ch = Key::ch;
    let code = Key::code;
    // A view of the flow: its list, refreshed on demand, closed to the tables.
    let browse = |c: Context| {
        let mut v = moves(c).to_vec();
        v.push(b(c, A::Refresh, &[ch('r')]).hint("refresh"));
        v.push(b(c, A::Close, &[code(K::Esc), ch('q')]).hint("close"));
        v
    };
    let mut v = Vec::new();
    v.push(
        b(Context::Xray, A::Open, &[code(K::Enter)])
            .hint("jump")
            .help_as("jump to the resource"),
    );
    v.push(b(Context::Xray, A::Collapse, &[code(K::Left), ch('h')]).hint("fold"));
    v.push(b(Context::Xray, A::Expand, &[code(K::Right), ch('l')]).hint("unfold"));
    v.extend(browse(Context::Xray));
    v.extend(browse(Context::Pulse));

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
    v.extend(browse(Context::Buckets));

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
