//! The network/system diagram (ネットワーク構成図), drawn from the ledger as SVG: segments as
//! areas with their systems and devices inside (PCs counted, not drawn one by one), external
//! connection points along the top edge with who manages them and whether sources are
//! restricted — red when not. Nothing is drawn by hand, so it is always as current as the data.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::model::{Record, choice_label_key};
use super::store::Names;
use super::systems::{SEGMENT_PURPOSES, links_to, segment_of};
use crate::i18n::Tr;

const WIDTH: f64 = 1500.0;
const MARGIN: f64 = 20.0;
const GAP: f64 = 18.0;
const LINE: f64 = 19.0;
const FONT: f64 = 13.0;
/// Devices other than PCs listed by name in one area before "ほか n 台".
const MOST_LISTED: usize = 14;

const RED: &str = "#c62828";
const RED_FILL: &str = "#fdecea";
const ORANGE: &str = "#b35c00";
const ORANGE_FILL: &str = "#fff3e0";
const INK: &str = "#1f2933";
const MUTED: &str = "#5f6b76";
const AREA_FILL: &str = "#f4f8fb";
const AREA_LINE: &str = "#7a8ea3";

/// What the diagram is drawn from.
pub struct Input<'a> {
    pub title: &'a str,
    pub segments: &'a [Record],
    pub devices: &'a [Record],
    pub systems: &'a [Record],
    pub connections: &'a [Record],
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Roughly how wide text is drawn: Japanese characters are square, Latin ones about half.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.58 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// Cuts text to fit a width, marking the cut with "…".
fn fit(text: &str, width: f64, size: f64) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if text_width(&out, size) + size > width {
            out.pop();
            out.push('…');
            break;
        }
    }
    out
}

struct Svg {
    body: String,
}

// Drawing primitives take their geometry and style as plain arguments, like SVG itself.
#[allow(clippy::too_many_arguments)]
impl Svg {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, stroke: &str, fill: &str, dashed: bool) {
        let _ = write!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1.5"{}/>"#,
            if dashed {
                r#" stroke-dasharray="6 4""#
            } else {
                ""
            }
        );
    }

    fn text(&mut self, x: f64, y: f64, text: &str, width: f64, size: f64, color: &str, bold: bool) {
        let _ = write!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" fill="{color}"{}>{}</text>"#,
            if bold { r#" font-weight="bold""# } else { "" },
            esc(&fit(text, width, size))
        );
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, color: &str, width: f64) {
        let _ = write!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{color}" stroke-width="{width}"/>"#
        );
    }
}

/// One area of the diagram: a segment, or the devices whose segment is unknown.
struct Area {
    id: Option<i64>,
    lines: Vec<(String, bool, &'static str)>,
    /// (label, device id) rows drawn as small boxes.
    items: Vec<(String, i64)>,
    height: f64,
}

fn kind_short(tr: Tr, device: &Record) -> String {
    device
        .choice_key("kind")
        .map(|k| tr.t(k))
        .unwrap_or_default()
        .split('（')
        .next()
        .unwrap_or("")
        .to_string()
}

fn area_for(
    tr: Tr,
    segment: Option<&Record>,
    devices: &[&Record],
    systems: &[Record],
    segment_names: &Names,
    width: f64,
) -> Area {
    let mut lines: Vec<(String, bool, &'static str)> = Vec::new();
    match segment {
        Some(s) => {
            let purpose = choice_label_key(&SEGMENT_PURPOSES, s.get("purpose"))
                .filter(|_| s.get("purpose") != "other")
                .map(|k| tr.t(k))
                .filter(|label| !s.name().contains(label.as_str()))
                .map(|label| format!("（{label}）"))
                .unwrap_or_default();
            lines.push((format!("{}{purpose}", s.name()), true, INK));
            let mut address = s.get("cidrs").replace(' ', ", ");
            if !s.get("vlan").is_empty() {
                address.push_str(&format!("  VLAN {}", s.get("vlan")));
            }
            if !address.is_empty() {
                lines.push((address, false, MUTED));
            }
            if !s.get("reaches").is_empty() {
                lines.push((
                    format!(
                        "{}: {}",
                        tr.t(crate::mkey!("diagram-reaches")),
                        segment_names.list(s.get("reaches"))
                    ),
                    false,
                    MUTED,
                ));
            }
        }
        None => lines.push((tr.t(crate::mkey!("diagram-no-segment")), true, INK)),
    }
    let in_systems: Vec<String> = systems
        .iter()
        .filter_map(|system| {
            let count = devices
                .iter()
                .filter(|d| links_to(d, "systems", system.id))
                .count();
            (count > 0).then(|| format!("{}（{count}）", system.name()))
        })
        .collect();
    if !in_systems.is_empty() {
        let label = format!("{}: ", tr.t(crate::mkey!("diagram-systems")));
        let mut current = label.clone();
        for (i, name) in in_systems.iter().enumerate() {
            let piece = if i == 0 {
                name.clone()
            } else {
                format!("、{name}")
            };
            if text_width(&(current.clone() + &piece), FONT) > width - 20.0 && current != label {
                lines.push((current, false, INK));
                current = format!("　{name}");
            } else {
                current.push_str(&piece);
            }
        }
        lines.push((current, false, INK));
    }
    let (pcs, others): (Vec<&&Record>, Vec<&&Record>) =
        devices.iter().partition(|d| d.get("kind") == "pc");
    let mut others = others;
    others.sort_by_key(|d| {
        (
            ["network", "server", "medical", "other"]
                .iter()
                .position(|k| *k == d.get("kind"))
                .unwrap_or(9),
            d.name().to_string(),
        )
    });
    let mut items: Vec<(String, i64)> = others
        .iter()
        .take(MOST_LISTED)
        .map(|d| {
            let ip = d.get("ip_addresses").split(' ').next().unwrap_or("");
            (format!("[{}] {}  {ip}", kind_short(tr, d), d.name()), d.id)
        })
        .collect();
    if others.len() > MOST_LISTED {
        items.push((
            tr.t1(
                crate::mkey!("diagram-more"),
                "count",
                &(others.len() - MOST_LISTED),
            ),
            0,
        ));
    }
    if !pcs.is_empty() {
        let mut by_department: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &pcs {
            *by_department.entry(d.get("department")).or_default() += 1;
        }
        let mut departments: Vec<(&str, usize)> = by_department
            .into_iter()
            .filter(|(name, _)| !name.is_empty())
            .collect();
        departments.sort_by_key(|d| std::cmp::Reverse(d.1));
        let detail: Vec<String> = departments
            .iter()
            .take(4)
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        let mut text = tr.t1(crate::mkey!("diagram-pcs"), "count", &pcs.len());
        if !detail.is_empty() {
            text.push_str(&format!("（{}）", detail.join("、")));
        }
        items.push((text, 0));
    }
    if devices.is_empty() {
        lines.push((tr.t(crate::mkey!("diagram-empty-area")), false, MUTED));
    }
    let height = 12.0 + lines.len() as f64 * LINE + items.len() as f64 * (LINE + 4.0) + 10.0;
    Area {
        id: segment.map(|s| s.id),
        lines,
        items,
        height,
    }
}

/// The diagram as a standalone SVG document.
pub fn draw(input: &Input<'_>, tr: Tr) -> String {
    let live: Vec<&Record> = input
        .devices
        .iter()
        .filter(|d| d.get("status") != "retired")
        .collect();
    let segment_names = Names::of(input.segments);
    let device_names = Names::of(input.devices);
    let columns = input.segments.len().clamp(1, 3);
    let area_width = (WIDTH - 2.0 * MARGIN - (columns as f64 - 1.0) * GAP) / columns as f64;

    let mut areas: Vec<Area> = input
        .segments
        .iter()
        .map(|s| {
            let inside: Vec<&Record> = live
                .iter()
                .copied()
                .filter(|d| segment_of(d, input.segments) == Some(s.id))
                .collect();
            area_for(
                tr,
                Some(s),
                &inside,
                input.systems,
                &segment_names,
                area_width,
            )
        })
        .collect();
    let unplaced: Vec<&Record> = live
        .iter()
        .copied()
        .filter(|d| segment_of(d, input.segments).is_none())
        .collect();
    if !unplaced.is_empty() || input.segments.is_empty() {
        areas.push(area_for(
            tr,
            None,
            &unplaced,
            input.systems,
            &segment_names,
            area_width,
        ));
    }

    let mut svg = Svg {
        body: String::new(),
    };
    let mut y = MARGIN + 8.0;
    svg.text(
        MARGIN,
        y + 10.0,
        input.title,
        WIDTH - 2.0 * MARGIN,
        18.0,
        INK,
        true,
    );
    y += 30.0;

    // External connection points along the top edge.
    let per_row = input.connections.len().clamp(1, 5);
    let box_width = (WIDTH - 2.0 * MARGIN - (per_row as f64 - 1.0) * GAP) / per_row as f64;
    let box_height = 4.0 * LINE + 12.0;
    svg.text(
        MARGIN,
        y + 12.0,
        &tr.t(crate::mkey!("diagram-outside")),
        WIDTH,
        FONT,
        MUTED,
        true,
    );
    y += 22.0;
    let mut anchors: Vec<(f64, f64, &Record)> = Vec::new();
    if input.connections.is_empty() {
        svg.text(
            MARGIN,
            y + 14.0,
            &tr.t(crate::mkey!("diagram-no-connections")),
            WIDTH,
            FONT,
            MUTED,
            false,
        );
        y += 30.0;
    }
    for (i, point) in input.connections.iter().enumerate() {
        let x = MARGIN + (i % per_row) as f64 * (box_width + GAP);
        let top = y + (i / per_row) as f64 * (box_height + GAP);
        let (stroke, fill, state_key) = match point.get("source_restricted") {
            "no" => (RED, RED_FILL, crate::mkey!("diagram-unrestricted")),
            "yes" => (AREA_LINE, "#ffffff", crate::mkey!("diagram-restricted")),
            _ => (
                ORANGE,
                ORANGE_FILL,
                crate::mkey!("diagram-restriction-unknown"),
            ),
        };
        svg.rect(x, top, box_width, box_height, stroke, fill, false);
        let inner = box_width - 16.0;
        let kind = point
            .choice_key("connection_kind")
            .map(|k| tr.t(k))
            .unwrap_or_default();
        let purpose = point
            .choice_key("purpose")
            .map(|k| tr.t(k))
            .unwrap_or_default();
        svg.text(x + 8.0, top + LINE, point.name(), inner, FONT, INK, true);
        svg.text(
            x + 8.0,
            top + 2.0 * LINE,
            &format!("{kind} / {purpose}"),
            inner,
            FONT - 1.0,
            INK,
            false,
        );
        let vendor = [point.get("managed_by"), point.get("installed_by")]
            .into_iter()
            .find(|v| !v.is_empty())
            .unwrap_or("—");
        svg.text(
            x + 8.0,
            top + 3.0 * LINE,
            &format!("{}: {vendor}", tr.t(crate::mkey!("diagram-vendor"))),
            inner,
            FONT - 1.0,
            INK,
            false,
        );
        svg.text(
            x + 8.0,
            top + 4.0 * LINE,
            &tr.t(state_key),
            inner,
            FONT - 1.0,
            stroke,
            point.get("source_restricted") != "yes",
        );
        anchors.push((x + box_width / 2.0, top + box_height, point));
    }
    if !input.connections.is_empty() {
        let rows = input.connections.len().div_ceil(per_row);
        y += rows as f64 * (box_height + GAP);
    }

    // The hospital's side of the boundary.
    y += 24.0;
    let boundary = y - 12.0;
    svg.line(MARGIN, boundary, WIDTH - MARGIN, boundary, AREA_LINE, 1.0);
    svg.text(
        MARGIN,
        y + 6.0,
        &tr.t(crate::mkey!("diagram-inside")),
        WIDTH,
        FONT,
        MUTED,
        true,
    );
    y += 18.0;
    let mut device_spots: Vec<(i64, f64, f64)> = Vec::new();
    let mut area_tops: Vec<(Option<i64>, f64, f64)> = Vec::new();
    for row in areas.chunks(columns) {
        let row_height = row.iter().map(|a| a.height).fold(0.0, f64::max);
        for (c, area) in row.iter().enumerate() {
            let x = MARGIN + c as f64 * (area_width + GAP);
            svg.rect(
                x,
                y,
                area_width,
                row_height,
                AREA_LINE,
                AREA_FILL,
                area.id.is_none(),
            );
            area_tops.push((area.id, x + area_width / 2.0, y));
            let mut line_y = y + 6.0;
            for (text, bold, color) in &area.lines {
                line_y += LINE;
                svg.text(
                    x + 10.0,
                    line_y,
                    text,
                    area_width - 20.0,
                    FONT,
                    color,
                    *bold,
                );
            }
            line_y += 6.0;
            for (text, device_id) in &area.items {
                svg.rect(
                    x + 10.0,
                    line_y,
                    area_width - 20.0,
                    LINE,
                    "#b8c4cf",
                    "#ffffff",
                    false,
                );
                svg.text(
                    x + 16.0,
                    line_y + LINE - 5.0,
                    text,
                    area_width - 32.0,
                    FONT - 1.0,
                    INK,
                    false,
                );
                if *device_id != 0 {
                    device_spots.push((*device_id, x + 10.0, line_y + LINE / 2.0));
                }
                line_y += LINE + 4.0;
            }
        }
        y += row_height + GAP;
    }

    // Each connection point to the device it terminates on (or its area).
    for (i, (ax, ay, point)) in anchors.iter().enumerate() {
        let Some(device_id) = point
            .get("device")
            .split(' ')
            .find_map(|p| p.parse::<i64>().ok())
        else {
            continue;
        };
        let color = match point.get("source_restricted") {
            "no" => RED,
            "yes" => AREA_LINE,
            _ => ORANGE,
        };
        let target = device_spots
            .iter()
            .find(|(id, _, _)| *id == device_id)
            .map(|(_, x, y)| (*x, *y))
            .or_else(|| {
                let device = input.devices.iter().find(|d| d.id == device_id)?;
                let area = segment_of(device, input.segments);
                area_tops
                    .iter()
                    .find(|(id, _, _)| *id == area)
                    .map(|(_, x, y)| (*x + (i as f64 * 14.0), *y))
            });
        if let Some((tx, ty)) = target {
            svg.line(*ax, *ay, tx, ty, color, 2.0);
            let _ = write!(
                svg.body,
                r#"<circle cx="{tx:.1}" cy="{ty:.1}" r="4" fill="{color}"/>"#
            );
        } else if let Some(name) = device_names.get(device_id) {
            svg.text(
                *ax - 40.0,
                *ay + 14.0,
                name,
                200.0,
                FONT - 2.0,
                color,
                false,
            );
        }
    }

    // Legend.
    y += 4.0;
    let mut x = MARGIN;
    for (color, fill, key) in [
        (RED, RED_FILL, crate::mkey!("diagram-unrestricted")),
        (
            ORANGE,
            ORANGE_FILL,
            crate::mkey!("diagram-restriction-unknown"),
        ),
        (AREA_LINE, "#ffffff", crate::mkey!("diagram-restricted")),
    ] {
        svg.rect(x, y, 18.0, 14.0, color, fill, false);
        let label = tr.t(key);
        svg.text(x + 24.0, y + 12.0, &label, 300.0, FONT - 1.0, INK, false);
        x += 40.0 + text_width(&label, FONT - 1.0);
    }
    let height = y + 30.0;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0}" width="{WIDTH}" height="{height:.0}" font-family="'Noto Sans JP','Hiragino Sans','Yu Gothic','Meiryo',sans-serif" role="img" aria-label="{}"><rect x="0" y="0" width="{WIDTH}" height="{height:.0}" fill="#ffffff"/>{}</svg>"##,
        esc(input.title),
        svg.body
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::ledger::model::test_record as record;

    #[test]
    fn areas_devices_and_an_unrestricted_vpn_are_drawn() {
        use crate::ledger::connections::CONNECTIONS;
        use crate::ledger::model::DEVICES;
        use crate::ledger::systems::{SEGMENTS, SYSTEMS};
        let segments = vec![
            record(
                &SEGMENTS,
                1,
                &[
                    ("name", "電子カルテ系"),
                    ("cidrs", "192.168.10.0/24"),
                    ("purpose", "emr"),
                ],
            ),
            record(
                &SEGMENTS,
                2,
                &[
                    ("name", "職員LAN"),
                    ("cidrs", "192.168.20.0/24"),
                    ("purpose", "office"),
                ],
            ),
        ];
        let systems = vec![record(&SYSTEMS, 1, &[("name", "電子カルテ")])];
        let mut devices = vec![
            record(
                &DEVICES,
                1,
                &[
                    ("kind", "network"),
                    ("name", "FortiGate 60E"),
                    ("ip_addresses", "192.168.10.1"),
                ],
            ),
            record(
                &DEVICES,
                2,
                &[
                    ("kind", "server"),
                    ("name", "カルテ<サーバ>"),
                    ("ip_addresses", "192.168.10.5"),
                    ("systems", "1"),
                ],
            ),
            record(&DEVICES, 9, &[("kind", "other"), ("name", "どこかの箱")]),
        ];
        for i in 0..40 {
            devices.push(record(
                &DEVICES,
                100 + i,
                &[
                    ("kind", "pc"),
                    ("name", "端末"),
                    ("department", "内科"),
                    ("ip_addresses", &format!("192.168.20.{}", i + 10)),
                ],
            ));
        }
        let connections = vec![record(
            &CONNECTIONS,
            1,
            &[
                ("name", "保守用VPN"),
                ("connection_kind", "ssl-vpn"),
                ("device", "1"),
                ("source_restricted", "no"),
                ("managed_by", "カルテ株式会社"),
            ],
        )];
        let svg = draw(
            &Input {
                title: "テスト病院",
                segments: &segments,
                devices: &devices,
                systems: &systems,
                connections: &connections,
            },
            Tr::new(Lang::Ja),
        );
        assert!(svg.starts_with("<svg"));
        for expected in [
            "職員LAN（事務）",
            "SSL-VPN",
            "192.168.10.0/24",
            "FortiGate 60E",
            "カルテ&lt;サーバ&gt;",
            "電子カルテ（1）",
            "端末PC 40 台（内科 40）",
            "セグメント未設定",
            "どこかの箱",
            "保守用VPN",
            "カルテ株式会社",
            "接続元制限なし",
            RED,
        ] {
            assert!(svg.contains(expected), "{expected} in {svg}");
        }
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn long_text_is_cut_to_fit() {
        assert_eq!(fit("短い", 100.0, 10.0), "短い");
        let cut = fit(&"長".repeat(50), 100.0, 10.0);
        assert!(cut.ends_with('…') && text_width(&cut, 10.0) <= 100.0);
    }
}
