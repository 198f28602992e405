//! `poolcast chart SCENARIO --out DIR`: every chart of a run and its
//! topology as SVG files (and PNG with `--png`), so a document can embed a
//! picture that CI regenerates. `--compare OTHER` runs OTHER too and draws
//! it as run A, faint under SCENARIO's run B, on every chart.

use std::path::{Path, PathBuf};

use clap::Args;
use plotters::prelude::*;
use poolcast_charts::Chart;

/// The flags of `poolcast chart`.
#[derive(Args)]
pub struct ChartArgs {
    /// Scenario JSON file, or - for standard input (run B when comparing).
    pub scenario: String,
    /// Folder to write the pictures into (made if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Another scenario, drawn faint under this one as run A.
    #[arg(long)]
    pub compare: Option<String>,
    /// Also write each picture as PNG.
    #[arg(long)]
    pub png: bool,
    /// Width of every picture, px.
    #[arg(long, default_value_t = 900)]
    pub width: u32,
    /// Height of every chart, px (the topology is as tall as it needs).
    #[arg(long, default_value_t = 320)]
    pub height: u32,
    /// Refuse scenarios estimated to need more events than this.
    #[arg(long, default_value_t = poolcast::DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

/// Runs the scenario(s), writes the pictures, returns the paths written.
pub fn run(args: &ChartArgs) -> Result<Vec<PathBuf>, String> {
    if !(160..=10_000).contains(&args.width) || !(100..=10_000).contains(&args.height) {
        return Err(format!(
            "--width must be 160 to 10000 and --height 100 to 10000 px, got {} x {}",
            args.width, args.height
        ));
    }
    let b = crate::load(&args.scenario, args.max_events)?;
    let a = match &args.compare {
        Some(path) => Some(crate::load(path, args.max_events)?),
        None => None,
    };
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot make {}: {e}", args.out.display()))?;
    let b = poolcast::Sim::new(&b).run_to_end();
    let a = a.map(|a| poolcast::Sim::new(&a).run_to_end());
    let mut out = Out {
        dir: &args.out,
        png: args.png,
        written: Vec::new(),
    };
    for chart in Chart::ALL {
        let svg = match &a {
            Some(a) => poolcast_charts::compare_svg(chart, &b, a, args.width, args.height),
            None => poolcast_charts::svg(chart, &b, args.width, args.height),
        };
        out.picture(chart.file_stem(), &svg, (args.width, args.height), |root| {
            poolcast_charts::draw_compare(chart, root, &b, a.as_ref())
        })?;
    }
    let mut topologies = vec![("topology", &b)];
    if let Some(a) = &a {
        topologies.push(("topology-a", a));
    }
    for (stem, r) in topologies {
        let s = &r.scenario;
        let svg = poolcast_charts::topology_svg(s, Some(r), args.width);
        let size = (args.width, poolcast_charts::topology::height(s));
        out.picture(stem, &svg, size, |root| {
            poolcast_charts::draw_topology(root, s, Some(r))
        })?;
    }
    Ok(out.written)
}

/// Where the pictures go, whether as PNG too, and the paths written so far.
struct Out<'a> {
    dir: &'a Path,
    png: bool,
    written: Vec<PathBuf>,
}

impl Out<'_> {
    /// Writes `stem.svg` and, with `--png`, `stem.png` of `size` px drawn
    /// by `paint`.
    fn picture(
        &mut self,
        stem: &str,
        svg: &str,
        (width, height): (u32, u32),
        paint: impl FnOnce(&Bitmap<'_>) -> Result<(), BitmapError>,
    ) -> Result<(), String> {
        self.write(&format!("{stem}.svg"), svg.as_bytes())?;
        if self.png {
            let png = bitmap(width, height, paint)?;
            self.write(&format!("{stem}.png"), &png)?;
        }
        Ok(())
    }

    fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        self.written.push(path);
        Ok(())
    }
}

type Bitmap<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
type BitmapError = DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>;

/// Draws on an RGB buffer and encodes it as PNG.
fn bitmap(
    width: u32,
    height: u32,
    paint: impl FnOnce(&Bitmap<'_>) -> Result<(), BitmapError>,
) -> Result<Vec<u8>, String> {
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        paint(&root)
            .and_then(|()| root.present())
            .map_err(|e| format!("cannot draw the picture: {e}"))?;
    }
    png(width, height, &rgb)
}

/// An 8-bit RGB PNG of `rgb` (rows top to bottom, no filter).
fn png(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let row = width as usize * 3;
    let mut raw = Vec::with_capacity((row + 1) * height as usize);
    for line in rgb.chunks(row) {
        raw.push(0);
        raw.extend_from_slice(line);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw)
        .and_then(|()| z.flush())
        .map_err(|e| e.to_string())?;
    let idat = z.finish().map_err(|e| e.to_string())?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", &ihdr[..]),
        (b"IDAT", &idat[..]),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    Ok(out)
}
