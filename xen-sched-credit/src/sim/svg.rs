//! Share-over-time plots as SVG text.

use std::fmt::Write as _;

use super::stats::Stats;

const PALETTE: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// Draws each domain's CPU share (percent of one pCPU) per sample interval
/// as a line chart. Domains beyond the tenth share colours.
pub fn share_plot(stats: &Stats, title: &str) -> String {
    let (w, h) = (760.0, 400.0);
    let (l, r, t, b) = (60.0, 170.0, 40.0, 50.0);
    let pw = w - l - r;
    let ph = h - t - b;
    let t_max = stats.duration_ns.max(1) as f64 / 1e9;
    let peak = stats
        .samples
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max);
    let step = [
        10.0, 25.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2500.0, 5000.0,
    ]
    .into_iter()
    .find(|s| 4.0 * s >= peak)
    .unwrap_or(10_000.0);
    let y_max = 4.0 * step;
    let x = |s: f64| l + s / t_max * pw;
    let y = |p: f64| t + ph - p / y_max * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">{}</text>"#,
        l + pw / 2.0,
        escape(title)
    );
    // Grid and axes.
    for k in 0..=4 {
        let v = y_max * f64::from(k) / 4.0;
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{l}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{v:.0}</text>"##,
            l + pw,
            l - 6.0,
            yy + 4.0
        );
    }
    let ticks = 5;
    for k in 0..=ticks {
        let sec = t_max * f64::from(k) / f64::from(ticks);
        let xx = x(sec);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{:.1}" stroke="#999"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle">{sec:.1}</text>"##,
            t + ph,
            t + ph + 5.0,
            t + ph + 18.0
        );
    }
    let _ = writeln!(
        s,
        r##"<rect x="{l}" y="{t}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">simulated time (s)</text>"#,
        l + pw / 2.0,
        h - 12.0
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(16,{:.1}) rotate(-90)" text-anchor="middle">CPU share (% of one pCPU)</text>"#,
        t + ph / 2.0
    );
    // Series.
    for (di, d) in stats.domains.iter().enumerate() {
        let colour = PALETTE[di % PALETTE.len()];
        let mut pts = String::new();
        let mut prev_t = 0.0;
        for (tn, v) in &stats.samples {
            let sec = *tn as f64 / 1e9;
            let share = v.get(di).copied().unwrap_or(0.0);
            let _ = write!(
                pts,
                "{:.1},{:.1} {:.1},{:.1} ",
                x(prev_t),
                y(share),
                x(sec),
                y(share)
            );
            prev_t = sec;
        }
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{}"/>"#,
            pts.trim_end()
        );
        let ly = t + 14.0 + 18.0 * di as f64;
        if ly < h - b {
            let _ = writeln!(
                s,
                r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{} ({:.1}%)</text>"#,
                l + pw + 12.0,
                l + pw + 32.0,
                l + pw + 38.0,
                ly + 4.0,
                escape(&d.name),
                d.share_pct
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Simulator, Workload};

    #[test]
    fn plot_has_one_line_per_domain_and_a_legend() {
        let wl =
            Workload::parse("pcpus 1\nduration 1s\ndomain a<1>\ndomain b weight=512\n").unwrap();
        let svg = share_plot(&Simulator::new(wl).unwrap().run(), "t & t");
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("a&lt;1&gt;") && svg.contains("t &amp; t"));
    }
}
