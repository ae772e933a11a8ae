//! The default bindings, context by context, in the order help lists them.

use crossterm::event::KeyCode;

use super::{Action, Binding, Context, Key, Keymap, b, moves};
use crate::resources::Tab;

impl Default for Keymap {
    fn default() -> Keymap {
        use Action as A;
        use Context::{
            Anywhere as Any, Command as Cm, Confirm as Cf, Credentials as C, Filter as F,
            Form as Fm, Main as M, Pager as P, Tail as Tl, Text as Tx,
        };
        use KeyCode as K;
        let ch = Key::ch;
        let code = Key::code;
        let ctrl = Key::ctrl;
        let mut bindings: Vec<Binding> = vec![
            // Every popup and field, typed text included: as in every TUI.
            b(Any, A::QuitAnywhere, &[ctrl('c')]),
            b(M, A::Quit, &[ch('q')]).hint("quit"),
            b(M, A::Help, &[ch('?')]).hint("help"),
            b(M, A::Command, &[ch(':')]).hint("cmd"),
            b(M, A::Refresh, &[ch('r'), ctrl('r')]),
            b(M, A::NextTab, &[code(K::Tab)]),
            b(M, A::PrevTab, &[code(K::BackTab)]),
        ];
        // One digit per registered tab.
        bindings.extend((1..=Tab::COUNT as u8).map(|n| b(M, A::Tab(n), &[ch((b'0' + n) as char)])));
        bindings.extend(moves(M));
        bindings.extend([
            b(M, A::Open, &[code(K::Enter), ch('l')]).hint("open"),
            b(M, A::Tail, &[ch('t')]).hint("tail"),
            b(M, A::Xray, &[ch('x')]).hint("xray"),
            b(M, A::Pulse, &[ch('p')]).hint("pulse"),
            b(M, A::Buckets, &[ch('b')]).hint("buckets"),
            b(M, A::Back, &[code(K::Esc), ch('h')]),
            b(M, A::Filter, &[ch('/')]).hint("filter"),
            b(M, A::Sort, &[ch('s')]),
            b(M, A::SortReverse, &[ch('S')]),
            b(M, A::Mark, &[ch(' ')]).hint("mark"),
            b(M, A::Create, &[ch('n')]).hint("new"),
            b(M, A::Delete, &[ch('d'), code(K::Delete)]).hint("delete"),
            b(M, A::CopyId, &[ch('y')]).hint("copy"),
            b(M, A::CopySecret, &[ch('Y')]),
            b(M, A::CopyToken, &[ch('T')]),
            b(M, A::ShowCredentials, &[ch('c')]).hint("creds"),
            b(M, A::ErrorLog, &[ch('E')]),
            b(M, A::Login, &[ch('L')]),
            b(C, A::CopyBillingId, &[ch('b')]).hint("billingId"),
            b(C, A::CopyClientId, &[ch('i')]).hint("clientId"),
            b(C, A::CopyClientSecret, &[ch('s')]).hint("secret"),
            b(C, A::CopyJson, &[ch('j')]).hint("JSON"),
            b(C, A::CopyExports, &[ch('e')]).hint("exports"),
            b(C, A::Reveal, &[ch('v')]).hint("reveal"),
            b(C, A::Close, &[code(K::Esc), ch('q')]).hint("close"),
            b(Tl, A::Pause, &[ch('p'), ch(' ')]).hint("pause"),
            b(Tl, A::Filter, &[ch('/')]).hint("filter"),
            b(Tl, A::NextMatch, &[ch('n')]).hint("match"),
            b(Tl, A::PrevMatch, &[ch('N')]).hint("match"),
            b(Tl, A::Inspect, &[code(K::Enter)]).hint("inspect"),
            b(Tl, A::Save, &[ch('s')]).hint("save"),
            b(Tl, A::Up, &[code(K::Up), ch('k')]),
            b(Tl, A::Down, &[code(K::Down), ch('j')]),
            b(Tl, A::PageUp, &[code(K::PageUp), ctrl('b')]),
            b(Tl, A::PageDown, &[code(K::PageDown), ctrl('f')]),
            b(Tl, A::Top, &[code(K::Home), ch('g')]),
            b(Tl, A::Bottom, &[ch('G'), code(K::End)]).hint("newest"),
            b(Tl, A::Wrap, &[ch('w')]).hint("wrap"),
            b(Tl, A::ScrollLeft, &[code(K::Left), ch('h')]),
            b(Tl, A::ScrollRight, &[code(K::Right), ch('l')]).hint("scroll"),
            b(Tl, A::Close, &[code(K::Esc), ch('q')]).hint("close"),
            // Choices react only while a choice field has the focus; letters typed there
            // narrow a picker's options, and a text field takes every character as text.
            b(Fm, A::NextField, &[code(K::Tab), code(K::Down)]).hint("next field"),
            b(Fm, A::PrevField, &[code(K::BackTab), code(K::Up)]).hint("previous"),
            b(Fm, A::PrevChoice, &[code(K::Left)]).hint("choose"),
            b(Fm, A::NextChoice, &[code(K::Right), ch(' ')]).hint("choose"),
            b(Fm, A::Submit, &[code(K::Enter)])
                .hint("submit")
                .help_as("submit (refused while a field is invalid)"),
            b(Fm, A::Cancel, &[code(K::Esc)]).hint("cancel"),
            b(Cf, A::PrevChoice, &[code(K::Left), code(K::BackTab)])
                .hint("choose")
                .help_as("previous button"),
            b(Cf, A::NextChoice, &[code(K::Right), code(K::Tab)])
                .hint("choose")
                .help_as("next button"),
            b(Cf, A::Confirm, &[ch('y')])
                .hint("yes")
                .help_as("delete at once (dialogs without a name to type)"),
            b(Cf, A::Submit, &[code(K::Enter)])
                .hint("confirm")
                .help_as("press the chosen button; deletes once the typed name matches"),
            b(Cf, A::Cancel, &[code(K::Esc)]).hint("cancel"),
            b(Cm, A::Complete, &[code(K::Tab)])
                .hint("complete")
                .help_as("complete the command or the name"),
            b(Cm, A::Submit, &[code(K::Enter)])
                .hint("run")
                .help_as("run the command"),
            b(Cm, A::Cancel, &[code(K::Esc)])
                .hint("close")
                .help_as("close"),
            b(F, A::Submit, &[code(K::Enter), code(K::Down), code(K::Up)])
                .hint("keeps")
                .help_as("keep the filter"),
            b(F, A::Cancel, &[code(K::Esc)])
                .hint("clears")
                .help_as("clear the filter"),
            b(P, A::Down, &[ch('j'), code(K::Down)]).hint("scroll"),
            b(P, A::Up, &[ch('k'), code(K::Up)]).hint("scroll"),
            b(P, A::PageDown, &[code(K::PageDown), ctrl('f'), ch(' ')]),
            b(P, A::PageUp, &[code(K::PageUp), ctrl('b')]),
            b(P, A::Top, &[ch('g'), code(K::Home)]).hint("top"),
            b(P, A::Bottom, &[ch('G'), code(K::End)]).hint("end"),
            b(P, A::Search, &[ch('/')]).hint("search"),
            b(P, A::SearchNext, &[ch('n')]).hint("next"),
            b(
                P,
                A::Close,
                &[code(K::Esc), ch('q'), ch('?'), code(K::Enter)],
            )
            .hint("close"),
            b(Tx, A::DeleteToStart, &[ctrl('u')]),
            b(Tx, A::DeleteWord, &[ctrl('w')]),
            b(Tx, A::LineStart, &[ctrl('a'), code(K::Home)]),
            b(Tx, A::LineEnd, &[ctrl('e'), code(K::End)]),
            b(Tx, A::Undo, &[ctrl('z')]),
        ]);
        bindings.extend(super::observe::bindings());
        Keymap { bindings }
    }
}
