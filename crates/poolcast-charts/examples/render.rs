//! Renders every chart of one run, and a pool-size sweep, to SVG files: the
//! few lines the CLI needs.
//!
//! `cargo run -p poolcast-charts --example render -- [scenario.json] [out-dir]`

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let scenario = match args.next() {
        Some(path) => poolcast::parse(&std::fs::read_to_string(path)?)?,
        None => poolcast::parse(
            r#"{"duration_s": 60, "warmup_s": 10, "fleet": {"instances": 2},
                "workload": {"rate_per_s": 300}, "pool": {"max_size": 10}}"#,
        )?,
    };
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "charts".into()));
    std::fs::create_dir_all(&dir)?;
    let report = poolcast::run(&scenario)?;
    for (chart, svg) in poolcast_charts::all_svgs(&report, 600, 300) {
        let path = dir.join(format!("{}.svg", chart.file_stem()));
        std::fs::write(&path, svg)?;
        println!("{}", path.display());
    }
    let top = f64::from(scenario.app().pool.max_size * 2);
    let from = f64::from(scenario.app().pool.min_idle.max(1));
    let values = poolcast::sweep::range(from, top.max(from), (top / 12.0).ceil())?;
    let sweep = poolcast::sweep::run(
        &scenario,
        "pool.max_size",
        &values,
        poolcast::DEFAULT_MAX_EVENTS,
    )?;
    let path = dir.join("sweep.svg");
    std::fs::write(
        &path,
        poolcast_charts::sweep_svg(&sweep, &scenario, 600, 300),
    )?;
    println!("{}", path.display());
    Ok(())
}
