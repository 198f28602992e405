//! Sweeps on the command line: reading `--field` axes, writing a sweep as
//! CSV or JSON, and merging shards' outputs back into the unsharded one.
//!
//! A whole sweep's CSV has one column per field, then the figures; a
//! shard's has two more at the front, `point` (the point's number in grid
//! order) and `points` (the grid's size), so `merge` can put the rows back
//! in order, see that none is missing, and drop the two columns: the result
//! is the unsharded output, byte for byte. JSON works the same way through
//! `poolcast::sweep::merge`.

use poolcast::sweep::{self, Axis, GridSweep, Sweep};

/// The figures' columns, after the fields'.
const FIGURES: &str = "p99_wait_ms,timeout_fraction,failure_fraction,throughput_per_s,peak_db_connections,utilization";

/// Values written `a,b,c`, `from:to` or `from:to:step` (both ends included).
fn values(list: &str) -> Result<Vec<f64>, String> {
    let number = |t: &str| {
        t.trim()
            .parse::<f64>()
            .map_err(|_| format!("\"{t}\" is not a number"))
    };
    if list.contains(':') {
        let parts: Vec<&str> = list.split(':').collect();
        let (from, to, step) = match parts.as_slice() {
            [from, to] => (number(from)?, number(to)?, 1.0),
            [from, to, step] => (number(from)?, number(to)?, number(step)?),
            _ => return Err(format!("\"{list}\" is not from:to or from:to:step")),
        };
        sweep::range(from, to, step)
    } else {
        list.split(',').map(number).collect()
    }
}

/// The axes of a sweep from its `--field`s: `PATH=VALUES` each, or one bare
/// `PATH` with `--values` (or a range) given apart.
pub fn axes(fields: &[String], separate: Option<Vec<f64>>) -> Result<Vec<Axis>, String> {
    let bare = fields.iter().filter(|f| !f.contains('=')).count();
    match (bare, fields.len(), separate) {
        (0, _, None) => fields
            .iter()
            .map(|f| {
                let (path, list) = f.split_once('=').unwrap_or((f, ""));
                let values = values(list).map_err(|e| format!("--field {path}: {e}"))?;
                Ok(Axis {
                    field: path.to_string(),
                    values,
                })
            })
            .collect(),
        (1, 1, Some(values)) => Ok(vec![Axis {
            field: fields[0].clone(),
            values,
        }]),
        (0, _, Some(_)) => Err(
            "give the values either in --field PATH=VALUES or in --values / --from --to, not both"
                .into(),
        ),
        (_, 1, None) => Err(format!(
            "give values: --field {}=2,4,8 (or =2:16:2), or --values 2,4,8, or --from X --to Y \
             [--step Z]",
            fields[0]
        )),
        _ => Err(
            "with several --field, give each its values: --field PATH=2,4,8 or PATH=2:16:2".into(),
        ),
    }
}

/// One header line and one line per point; a shard's lines start with the
/// point's number and the grid's size.
pub fn csv(g: &GridSweep) -> String {
    let shard = g.shard.is_some();
    let mut out = String::new();
    if shard {
        out.push_str("point,points,");
    }
    out.push_str(&g.fields.join(","));
    out.push(',');
    out.push_str(FIGURES);
    for p in &g.points {
        out.push('\n');
        if shard {
            out.push_str(&format!("{},{},", p.index, g.grid_points));
        }
        for v in &p.values {
            out.push_str(&format!("{v},"));
        }
        out.push_str(&format!(
            "{},{},{},{},{},{}",
            p.p99_wait_ms,
            p.timeout_fraction,
            p.failure_fraction,
            p.throughput_per_s,
            p.peak_db_connections,
            p.utilization
        ));
    }
    out
}

/// JSON: a one-field whole sweep keeps the shape `poolcast sweep` always
/// had (`field`, `points[].value`); a grid or a shard is a [`GridSweep`].
pub fn json(g: &GridSweep, pretty: bool) -> String {
    if g.fields.len() == 1 && g.shard.is_none() {
        let one = Sweep {
            field: g.fields[0].clone(),
            db_limit: g.db_limit,
            points: g
                .points
                .iter()
                .map(|p| p.as_sweep_point(p.values[0]))
                .collect(),
        };
        crate::to_json!(one, pretty)
    } else {
        crate::to_json!(g, pretty)
    }
}

/// Joins the outputs of a sweep's shards, all CSV or all JSON, named by
/// `names` in messages.
pub fn merge(inputs: &[(String, String)], pretty: bool) -> Result<String, String> {
    let is_json = |t: &str| t.trim_start().starts_with('{');
    match inputs.iter().filter(|(_, t)| is_json(t)).count() {
        0 => merge_csv(inputs),
        n if n == inputs.len() => {
            let shards = inputs
                .iter()
                .map(|(name, t)| {
                    serde_json::from_str::<GridSweep>(t).map_err(|e| {
                        format!(
                            "{name} is not a shard of a sweep (made with --shard and --json): {e}"
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(json(&sweep::merge(shards)?, pretty))
        }
        _ => Err("the inputs mix CSV and JSON; merge shards made the same way".into()),
    }
}

fn merge_csv(inputs: &[(String, String)]) -> Result<String, String> {
    let mut header: Option<&str> = None;
    let mut total: Option<u64> = None;
    let mut rows: Vec<(u64, &str)> = Vec::new();
    for (name, text) in inputs {
        let mut lines = text.lines();
        let head = lines.next().unwrap_or_default();
        let Some(rest) = head.strip_prefix("point,points,") else {
            return Err(format!(
                "{name} is not a shard of a sweep: its header does not start with point,points \
                 (make shards with --shard K/N)"
            ));
        };
        match header {
            Some(h) if h != rest => {
                return Err(format!(
                    "{name} is from another sweep: its columns are {rest}, not {h}"
                ));
            }
            _ => header = Some(rest),
        }
        for (n, line) in lines.enumerate().filter(|(_, l)| !l.is_empty()) {
            let bad = || format!("{name}, line {}: not a row of a shard: {line}", n + 2);
            let mut cols = line.splitn(3, ',');
            let (Some(index), Some(points), Some(row)) = (cols.next(), cols.next(), cols.next())
            else {
                return Err(bad());
            };
            let (index, points): (u64, u64) = (
                index.parse().map_err(|_| bad())?,
                points.parse().map_err(|_| bad())?,
            );
            if total.is_some_and(|t| t != points) {
                return Err(format!(
                    "{name} is from another sweep: a grid of {points} points, not {}",
                    total.unwrap_or(0)
                ));
            }
            total = Some(points);
            rows.push((index, row));
        }
    }
    let header = header.ok_or("nothing to merge")?;
    rows.sort_by_key(|r| r.0);
    for (want, (index, _)) in rows.iter().enumerate() {
        if *index != want as u64 {
            return Err(if *index < want as u64 {
                format!("point {index} is in more than one input")
            } else {
                format!("point {want} is missing: is a shard left out?")
            });
        }
    }
    if let Some(t) = total.filter(|&t| t != rows.len() as u64) {
        return Err(format!(
            "point {} of {t} is missing: is a shard left out?",
            rows.len()
        ));
    }
    let mut out = header.to_string();
    for (_, row) in rows {
        out.push('\n');
        out.push_str(row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_values_in_every_form() {
        let a = axes(
            &["pool.max_size=2,4".into(), "fleet.instances=1:5:2".into()],
            None,
        )
        .unwrap();
        assert_eq!(a[0].values, [2.0, 4.0]);
        assert_eq!(a[1].values, [1.0, 3.0, 5.0]);
        let a = axes(&["pool.max_size".into()], Some(vec![3.0])).unwrap();
        assert_eq!(
            (a[0].field.as_str(), a[0].values.clone()),
            ("pool.max_size", vec![3.0])
        );
        assert!(axes(&["a".into(), "b=1".into()], None).is_err());
        assert!(
            axes(&["a".into()], None)
                .unwrap_err()
                .contains("--field a=2,4,8")
        );
        assert!(axes(&["a=1,x".into()], None).unwrap_err().contains("\"x\""));
        assert!(axes(&["a=5:1".into()], None).is_err());
    }

    #[test]
    fn csv_shards_merge_in_order_and_refuse_gaps() {
        let shard = |rows: &str| format!("point,points,a,{FIGURES}\n{rows}");
        let one = ("s1".to_string(), shard("0,3,1,x\n2,3,3,z"));
        let two = ("s2".to_string(), shard("1,3,2,y"));
        let merged = merge(&[two.clone(), one.clone()], false).unwrap();
        assert_eq!(merged, format!("a,{FIGURES}\n1,x\n2,y\n3,z"));
        assert!(
            merge(std::slice::from_ref(&one), false)
                .unwrap_err()
                .contains("point 1 is missing")
        );
        assert!(
            merge(&[one.clone(), one.clone(), two.clone()], false)
                .unwrap_err()
                .contains("more than one")
        );
        let whole = ("w".to_string(), format!("a,{FIGURES}\n1,x"));
        assert!(merge(&[whole], false).unwrap_err().contains("not a shard"));
        let tail = ("s2".to_string(), shard("1,4,2,y"));
        assert!(
            merge(&[one, tail], false)
                .unwrap_err()
                .contains("another sweep")
        );
    }
}
