//! The views that show the data flow: opening the x-ray, the pulse and the bucket
//! browser, their keys, the inspector, the answers they wait for, and their refresh —
//! only while one is open, and only as often as what it shows can change.

use std::collections::BTreeMap;
use std::time::Duration;

use crossterm::event::KeyEvent;

use super::Outgoing;
use crate::app::{App, Level, Pending, Popup, Tab};
use crate::keymap::{Action, Context};
use crate::observe::buckets::{Browsed, BucketsView, Entry, Opened};
use crate::observe::inspector::{Contract, Inspector, Seen};
use crate::observe::usage::{USAGE_BY, USAGE_SPAN_SECS};
use crate::observe::xray::{Node, XrayView};
use crate::protocol::{Answer, ExporterRef, Request};
use strm_client::ClientError;

/// Usage counts per 10 s and exporters write at most every 30 s: the x-ray and the
/// pulse ask every 5 s, the bucket browser every 30 s.
const LIVE_EVERY: Duration = Duration::from_secs(5);
const BUCKETS_EVERY: Duration = Duration::from_secs(30);
/// Rows a page key moves in these views.
const PAGE: isize = 10;

/// Moves `selected` within `len` rows.
fn moved(selected: usize, action: Action, len: usize) -> usize {
    let last = len.saturating_sub(1) as isize;
    let to = match action {
        Action::Up => selected as isize - 1,
        Action::Down => selected as isize + 1,
        Action::PageUp => selected as isize - PAGE,
        Action::PageDown => selected as isize + PAGE,
        Action::Top => 0,
        Action::Bottom => last,
        _ => selected as isize,
    };
    to.clamp(0, last.max(0)) as usize
}

impl App {
    /// Asks for what the open views show now, and when to ask again.
    pub(super) fn refresh_observed(&mut self, out: &mut Outgoing) {
        let live = self
            .popups
            .iter()
            .any(|p| matches!(p, Popup::Xray(_) | Popup::Pulse(_)));
        if live {
            self.ask_usage(out);
            let exporters: Vec<ExporterRef> =
                self.data.exporters.iter().map(ExporterRef::from).collect();
            if !exporters.is_empty() {
                self.send(out, Request::ExporterStatuses(exporters), Pending::Observe);
            }
        }
        if let Some(view) = self.buckets()
            && view.opened.is_none()
            && let Some(sink) = &view.sink
        {
            let req = Request::ListObjects {
                sink: sink.name.clone(),
                sink_type: sink.sink_type,
                prefix: view.prefix.clone(),
                after: None,
            };
            self.send(out, req, Pending::Objects(false));
        }
        self.observe_due = match self.observing() {
            Some(Popup::Xray(_) | Popup::Pulse(_)) => Some(self.now + LIVE_EVERY),
            Some(_) => Some(self.now + BUCKETS_EVERY),
            None => None,
        };
    }

    /// Usage for the tables' columns and the views, unless the API has none.
    pub(super) fn ask_usage(&mut self, out: &mut Outgoing) {
        if !self.data.observed.unsupported {
            let req = Request::Usage {
                span_secs: USAGE_SPAN_SECS,
                by: USAGE_BY,
            };
            self.send(out, req, Pending::Observe);
        }
    }

    pub(super) fn open_xray(&mut self, out: &mut Outgoing) {
        let mut view = XrayView::default();
        view.rebuild(&self.data, &self.data.observed);
        self.popups.push(Popup::Xray(Box::new(view)));
        self.refresh_observed(out);
    }

    pub(super) fn open_pulse(&mut self, out: &mut Outgoing) {
        self.popups.push(Popup::Pulse(Box::default()));
        self.refresh_observed(out);
    }

    /// The bucket browser: on the selected sink from the Sinks tab, else its list of
    /// sinks.
    pub(super) fn open_buckets(&mut self, out: &mut Outgoing) {
        let mut view = BucketsView::default();
        if self.tab == Tab::Sinks
            && let Some(i) = self.selected_index()
            && let Some(s) = self.data.sinks.get(i)
        {
            view.sink = Some(Browsed {
                name: s.sink_name.clone(),
                sink_type: s.sink_type,
                bucket: s.bucket_name.clone(),
            });
            view.enter(String::new());
        }
        self.popups.push(Popup::Buckets(Box::new(view)));
        self.refresh_observed(out);
    }

    fn buckets(&self) -> Option<&BucketsView> {
        self.popups.iter().rev().find_map(|p| match p {
            Popup::Buckets(v) => Some(v.as_ref()),
            _ => None,
        })
    }

    fn buckets_mut(&mut self) -> Option<&mut BucketsView> {
        self.popups.iter_mut().rev().find_map(|p| match p {
            Popup::Buckets(v) => Some(v.as_mut()),
            _ => None,
        })
    }

    fn xray_mut(&mut self) -> Option<&mut XrayView> {
        self.popups.iter_mut().rev().find_map(|p| match p {
            Popup::Xray(v) => Some(v.as_mut()),
            _ => None,
        })
    }

    /// Closes the view on top; the timer stops with the last observing view.
    fn close_view(&mut self) {
        self.popups.pop();
        if self.observing().is_none() {
            self.observe_due = None;
        }
    }

    pub(super) fn xray_key(&mut self, key: &KeyEvent, out: &mut Outgoing) {
        let Some(action) = self.keymap.action(Context::Xray, key) else {
            return;
        };
        let Some(Popup::Xray(view)) = self.popups.last_mut() else {
            return;
        };
        match action {
            Action::Close => self.close_view(),
            Action::Refresh => self.refresh_observed(out),
            Action::Open => {
                if let Some(node) = view.selected_node().cloned() {
                    self.close_view();
                    self.jump_to(&node, out);
                }
            }
            Action::Collapse => {
                if let Some(stream) = view.selected_stream() {
                    view.collapsed.insert(stream.clone());
                    view.rebuild(&self.data, &self.data.observed);
                    view.selected = view
                        .rows
                        .iter()
                        .position(|r| r.node == Node::Stream(stream.clone()))
                        .unwrap_or(0);
                }
            }
            Action::Expand => {
                if let Some(stream) = view.selected_stream() {
                    view.collapsed.remove(&stream);
                    view.rebuild(&self.data, &self.data.observed);
                }
            }
            other => view.selected = moved(view.selected, other, view.rows.len()),
        }
    }

    /// Shows the resource a node names in its tab, selected.
    fn jump_to(&mut self, node: &Node, out: &mut Outgoing) {
        let (tab, key) = node.target();
        self.scope = None;
        self.stack.clear();
        self.tab = tab;
        self.filter_editing = false;
        self.tables[tab.index()].filter.clear();
        self.recompute_all();
        let found = (0..self.data.len(tab)).find(|&i| self.data.key(tab, i) == key);
        match found {
            Some(i) => {
                let view = &mut self.tables[tab.index()];
                view.selected = view.rows.iter().position(|&r| r == i).unwrap_or(0);
            }
            None => {
                if let Node::Output { stream, .. } = node {
                    // Outputs of many streams are listed per stream.
                    self.send(
                        out,
                        Request::ListOutputs(Some(stream.clone())),
                        Pending::Load(Tab::Outputs),
                    );
                    self.scope = Some(stream.clone());
                    self.recompute_all();
                }
                self.flash(Level::Info, format!("{key} is not listed yet; listing it"));
            }
        }
    }

    pub(super) fn pulse_key(&mut self, key: &KeyEvent, out: &mut Outgoing) {
        let Some(action) = self.keymap.action(Context::Pulse, key) else {
            return;
        };
        let rows = self.data.observed.all().len();
        let Some(Popup::Pulse(view)) = self.popups.last_mut() else {
            return;
        };
        let page = view.page.get().max(1) as isize;
        match action {
            Action::Close => self.close_view(),
            Action::Refresh => self.refresh_observed(out),
            Action::Up => view.scroll_by(-1, rows),
            Action::Down => view.scroll_by(1, rows),
            Action::PageUp => view.scroll_by(-page, rows),
            Action::PageDown => view.scroll_by(page, rows),
            Action::Top => view.scroll = 0,
            Action::Bottom => view.scroll_by(isize::MAX / 2, rows),
            _ => {}
        }
    }

    pub(super) fn buckets_key(&mut self, key: &KeyEvent, out: &mut Outgoing) {
        let Some(action) = self.keymap.action(Context::Buckets, key) else {
            return;
        };
        let sinks = self.data.sinks.clone();
        let Some(Popup::Buckets(view)) = self.popups.last_mut() else {
            return;
        };
        match (action, &mut view.opened, &view.sink) {
            (Action::Close, ..) => self.close_view(),
            (Action::Refresh, Some(o), Some(sink)) => {
                let req = Request::ReadObject {
                    sink: sink.name.clone(),
                    sink_type: sink.sink_type,
                    key: o.key.clone(),
                };
                o.loading = true;
                self.send(out, req, Pending::Object);
            }
            (Action::Refresh, ..) => self.refresh_observed(out),
            (Action::Back, Some(_), _) => view.opened = None,
            (Action::Back, None, Some(_)) => match view.parent() {
                Some(up) => {
                    view.enter(up);
                    self.refresh_observed(out);
                }
                None => {
                    view.sink = None;
                    view.entries.clear();
                    view.selected = 0;
                }
            },
            (Action::Back, None, None) => self.close_view(),
            (Action::Open, Some(o), _) => {
                let Some(line) = o.lines.get(o.selected).cloned() else {
                    return;
                };
                let source = format!("{} line {}", o.key, o.selected + 1);
                let key = o.key.clone();
                let seen = self.seen_in_object(&key);
                self.open_inspector(source, line, seen, out);
            }
            (Action::Open, None, None) => {
                if let Some(s) = sinks.get(view.selected) {
                    view.sink = Some(Browsed {
                        name: s.sink_name.clone(),
                        sink_type: s.sink_type,
                        bucket: s.bucket_name.clone(),
                    });
                    view.enter(String::new());
                    self.refresh_observed(out);
                }
            }
            (Action::Open, None, Some(sink)) => match view.entries.get(view.selected).cloned() {
                Some(Entry::Folder(prefix)) => {
                    view.enter(prefix);
                    self.refresh_observed(out);
                }
                Some(Entry::Object { key, size, .. }) => {
                    let req = Request::ReadObject {
                        sink: sink.name.clone(),
                        sink_type: sink.sink_type,
                        key: key.clone(),
                    };
                    view.opened = Some(Opened {
                        key,
                        size,
                        loading: true,
                        ..Default::default()
                    });
                    self.send(out, req, Pending::Object);
                }
                None => {}
            },
            (other, Some(o), _) => o.selected = moved(o.selected, other, o.lines.len()),
            (other, None, None) => view.selected = moved(view.selected, other, sinks.len()),
            (other, None, Some(sink)) => {
                view.selected = moved(view.selected, other, view.entries.len());
                // At the end of a page, the next one.
                if view.selected + 1 >= view.entries.len()
                    && let Some(after) = view.more.take()
                {
                    let req = Request::ListObjects {
                        sink: sink.name.clone(),
                        sink_type: sink.sink_type,
                        prefix: view.prefix.clone(),
                        after: Some(after),
                    };
                    self.send(out, req, Pending::Objects(true));
                }
            }
        }
    }

    /// Which view wrote an object: the exporter to this sink whose prefix holds it.
    fn seen_in_object(&self, key: &str) -> Seen {
        let Some(sink) = self.buckets().and_then(|v| v.sink.clone()) else {
            return Seen::Unknown;
        };
        let writer = self.data.exporters.iter().find(|e| {
            e.sink_name == sink.name
                && e.sink_type == sink.sink_type
                && !e.export_keys
                && match e.path_prefix.as_deref().map(|p| p.trim_matches('/')) {
                    Some(p) if !p.is_empty() => key.starts_with(&format!("{p}/")),
                    _ => !key.contains('/'),
                }
        });
        let Some(e) = writer else {
            return Seen::Unknown;
        };
        if self.data.streams.iter().any(|s| s.name == e.linked_stream) {
            return Seen::Stream;
        }
        self.data
            .outputs
            .iter()
            .find(|o| o.name == e.linked_stream)
            .map_or(Seen::Unknown, |o| Seen::Output {
                kind: o.consent_level_type,
                levels: o.consent_levels.clone(),
            })
    }

    /// Opens the inspector on an event, asking for its schema's contract once.
    pub(super) fn open_inspector(
        &mut self,
        source: String,
        line: String,
        seen: Seen,
        out: &mut Outgoing,
    ) {
        let names: BTreeMap<u32, String> = self
            .data
            .consent_levels
            .iter()
            .filter_map(|c| Some((u32::try_from(c.id).ok()?, c.name.clone())))
            .collect();
        let mut inspector = Inspector::new(source, line, seen, names);
        match inspector.schema_id() {
            None => inspector.contract = Contract::Missing("the event names no schema".into()),
            Some(id) => match self.contracts.get(&id) {
                Some(known) => inspector.contract = known.clone(),
                None => {
                    self.contracts.insert(id.clone(), Contract::Loading);
                    self.send(
                        out,
                        Request::SchemaContract(id.clone()),
                        Pending::Contract(id),
                    );
                }
            },
        }
        inspector.rebuild(&self.theme);
        self.popups.push(Popup::Inspector(Box::new(inspector)));
    }

    pub(super) fn inspector_key(&mut self, key: &KeyEvent) {
        let Some(action) = self.keymap.action(Context::Inspector, key) else {
            return;
        };
        let Some(Popup::Inspector(i)) = self.popups.last_mut() else {
            return;
        };
        let last = i.lines.len().saturating_sub(1) as u16;
        match action {
            Action::Close => {
                self.popups.pop();
            }
            Action::CopyEvent => {
                let text = i.text.clone();
                self.copy_out.push(("the event".into(), text));
            }
            other => i.scroll = moved(i.scroll as usize, other, last as usize + 1) as u16,
        }
    }

    /// Routes the answers of the observing requests; true when `pending` was one.
    pub(super) fn on_observed(
        &mut self,
        pending: &Pending,
        result: Result<Answer, ClientError>,
    ) -> bool {
        match (pending, result) {
            (Pending::Observe, Ok(Answer::Usage(summary))) => {
                self.data.observed.set_usage(summary, self.epoch * 1000);
                for tab in [Tab::Streams, Tab::Outputs] {
                    let t = &self.tables[tab.index()];
                    if t.sort.is_some() || !t.filter.is_empty() {
                        self.recompute(tab);
                    }
                }
                self.rebuild_xray();
            }
            (Pending::Observe, Ok(Answer::ExporterStatuses(list))) => {
                self.data.observed.statuses = list.into_iter().collect();
                self.rebuild_xray();
            }
            (Pending::Observe, Err(e)) => {
                // Another API than the local server has no usage: the columns say "—".
                if e.status() == Some(404) {
                    self.data.observed.unsupported = true;
                }
                // An outage is reported by the lists' back-off, once.
                if !e.is_offline() {
                    self.log_error(format!("usage or exporter status: {e}"));
                }
            }
            (Pending::Objects(page), Ok(Answer::Objects { sink, prefix, list })) => {
                if let Some(view) = self.buckets_mut()
                    && view.sink.as_ref().is_some_and(|s| s.name == sink)
                {
                    view.listed(&prefix, list, *page);
                }
            }
            (Pending::Object, Ok(Answer::Object { key, text, size })) => {
                if let Some(Opened {
                    key: k,
                    lines,
                    size: s,
                    loading,
                    ..
                }) = self.buckets_mut().and_then(|v| v.opened.as_mut())
                    && *k == key
                {
                    *lines = text.0.lines().map(str::to_string).collect();
                    *s = size;
                    *loading = false;
                }
            }
            (Pending::Objects(_) | Pending::Object, Err(e)) => {
                if let Some(view) = self.buckets_mut() {
                    view.loading = false;
                    view.error = Some(e.to_string());
                    if let Some(o) = &mut view.opened {
                        o.loading = false;
                    }
                }
            }
            (Pending::Contract(id), result) => {
                let contract = match result {
                    Ok(Answer::SchemaContract(c)) => Contract::Known(c),
                    Ok(_) => return true,
                    Err(e) => {
                        Contract::Missing(format!("the API has no contract for {id:?} ({e})"))
                    }
                };
                self.contracts.insert(id.clone(), contract.clone());
                let theme = self.theme;
                for popup in &mut self.popups {
                    if let Popup::Inspector(i) = popup
                        && i.schema_id().as_deref() == Some(id)
                    {
                        i.contract = contract.clone();
                        i.rebuild(&theme);
                    }
                }
            }
            (Pending::Save, Ok(Answer::Saved { path, count })) => {
                if matches!(self.popups.last(), Some(Popup::SaveTail(_))) {
                    self.popups.pop();
                }
                self.flash(
                    Level::Info,
                    format!(
                        "Saved {count} events to {} (readable only by you)",
                        path.display()
                    ),
                );
            }
            (Pending::Save, Err(e)) => match self.popups.last_mut() {
                Some(Popup::SaveTail(prompt)) => prompt.problem = Some(e.to_string()),
                _ => self.flash(Level::Error, e.to_string()),
            },
            (Pending::Observe | Pending::Objects(_) | Pending::Object | Pending::Save, Ok(_)) => {}
            _ => return false,
        }
        true
    }

    fn rebuild_xray(&mut self) {
        let data = std::mem::take(&mut self.data);
        if let Some(view) = self.xray_mut() {
            view.rebuild(&data, &data.observed);
        }
        self.data = data;
    }
}
