//! Grid sweeps and their shards: several fields at once (pool size x
//! instances x rate), every combination a point, and a way to spread the
//! points over processes or machines without a scheduler.
//!
//! Points are numbered in grid order: the first field varies slowest, the
//! last fastest. Shard K of N (K from 1) takes the points whose number is
//! K - 1 modulo N, so neighbouring points, which often cost alike, land on
//! different shards. A point's result depends only on the scenario and the
//! point (each runs with the scenario's own seed), so the shards' points,
//! merged by number, are exactly the points of the unsharded sweep.

use serde::{Deserialize, Serialize};

use super::{Scope, SweepPoint, with_field};
use crate::input::scenario::Scenario;
use crate::input::validate::{ScenarioError, validate};

/// Most points a grid may have.
pub const MAX_GRID_POINTS: u64 = 100_000;

/// One swept field and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// The field's path, e.g. `services[0].pool.max_size`.
    pub field: String,
    /// Its values, in order.
    pub values: Vec<f64>,
}

/// Shard `k` of `n`: the points numbered `k - 1` modulo `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// Which shard, from 1.
    pub k: u64,
    /// How many shards in all.
    pub n: u64,
}

impl Shard {
    /// Reads `K/N`, 1 <= K <= N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard takes K/N with 1 <= K <= N, like 2/4; got \"{text}\"");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether point number `index` is this shard's.
    pub fn takes(&self, index: u64) -> bool {
        index % self.n == self.k - 1
    }
}

/// The figures of one point of a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridPoint {
    /// Its number in grid order, from 0.
    pub index: u64,
    /// The value of each field, in the order of `fields`.
    pub values: Vec<f64>,
    /// 99th percentile acquire wait, ms.
    pub p99_wait_ms: f64,
    /// Fraction of acquisitions that timed out.
    pub timeout_fraction: f64,
    /// Fraction of arrived requests that failed for any other cause.
    pub failure_fraction: f64,
    /// Requests completed per second.
    pub throughput_per_s: f64,
    /// Most database connections at once.
    pub peak_db_connections: u64,
    /// Pool utilization.
    pub utilization: f64,
}

impl GridPoint {
    fn new(index: u64, values: Vec<f64>, p: &SweepPoint) -> GridPoint {
        GridPoint {
            index,
            values,
            p99_wait_ms: p.p99_wait_ms,
            timeout_fraction: p.timeout_fraction,
            failure_fraction: p.failure_fraction,
            throughput_per_s: p.throughput_per_s,
            peak_db_connections: p.peak_db_connections,
            utilization: p.utilization,
        }
    }

    /// The figures as a one-field sweep's point, for `value`.
    pub fn as_sweep_point(&self, value: f64) -> SweepPoint {
        SweepPoint {
            value,
            p99_wait_ms: self.p99_wait_ms,
            timeout_fraction: self.timeout_fraction,
            failure_fraction: self.failure_fraction,
            throughput_per_s: self.throughput_per_s,
            peak_db_connections: self.peak_db_connections,
            utilization: self.utilization,
        }
    }
}

/// A grid sweep, or one shard of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSweep {
    /// The swept fields' paths, slowest-varying first.
    pub fields: Vec<String>,
    /// `max_connections - reserved_connections` of the base scenario.
    pub db_limit: u64,
    /// Points in the whole grid.
    pub grid_points: u64,
    /// Which shard this is; absent for a whole grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// The points run, in grid order.
    pub points: Vec<GridPoint>,
}

/// Points in the grid of `axes`, or why it is too large or empty.
pub fn grid_size(axes: &[Axis]) -> Result<u64, String> {
    if axes.is_empty() {
        return Err("a sweep needs at least one --field".into());
    }
    let mut n: u64 = 1;
    for a in axes {
        if a.values.is_empty() {
            return Err(format!("{} has no values", a.field));
        }
        n = n.saturating_mul(a.values.len() as u64);
    }
    if n > MAX_GRID_POINTS {
        return Err(format!(
            "the grid has {n} points, over the limit of {MAX_GRID_POINTS}"
        ));
    }
    Ok(n)
}

/// The values of point `index` (grid order: the last axis fastest).
pub fn values_at(axes: &[Axis], mut index: u64) -> Vec<f64> {
    let mut out = vec![0.0; axes.len()];
    for (slot, a) in out.iter_mut().zip(axes).rev() {
        let len = a.values.len() as u64;
        *slot = a.values[(index % len) as usize];
        index /= len;
    }
    out
}

/// The scenario of one point: each field set in turn.
pub fn point_scenario(
    base: &Scenario,
    axes: &[Axis],
    values: &[f64],
) -> Result<Scenario, ScenarioError> {
    let mut s = base.clone();
    for (a, &v) in axes.iter().zip(values) {
        s = with_field(&s, &a.field, v)?;
    }
    Ok(s)
}

/// Runs the points of `axes` that `shard` takes (all without one), in grid
/// order, on this thread; `progress` hears of each as it finishes. Every
/// point's scenario is built and validated before any runs.
pub fn run_grid(
    base: &Scenario,
    axes: &[Axis],
    shard: Option<Shard>,
    max_events: u64,
    progress: &mut dyn FnMut(&GridPoint),
) -> Result<GridSweep, ScenarioError> {
    let total = grid_size(axes).map_err(|m| {
        ScenarioError::Parse(crate::FieldError {
            field: "sweep".into(),
            message: m,
        })
    })?;
    let mut runs = Vec::new();
    for index in (0..total).filter(|&i| shard.is_none_or(|s| s.takes(i))) {
        let values = values_at(axes, index);
        let s = point_scenario(base, axes, &values)?;
        runs.push((index, values, validate(&s, max_events)?));
    }
    let mut points = Vec::with_capacity(runs.len());
    for (index, values, s) in runs {
        let report = crate::Sim::new(&s).run_to_end();
        let p = GridPoint::new(
            index,
            values,
            &SweepPoint::from_scope(0.0, &report, Scope::All),
        );
        progress(&p);
        points.push(p);
    }
    Ok(GridSweep {
        fields: axes.iter().map(|a| a.field.clone()).collect(),
        db_limit: u64::from(base.db_limit()),
        grid_points: total,
        shard,
        points,
    })
}

/// Joins the shards of one grid into the whole grid, as the unsharded sweep
/// gives it. Every shard must come from the same grid, and together they
/// must hold each point exactly once.
pub fn merge(shards: Vec<GridSweep>) -> Result<GridSweep, String> {
    let Some(first) = shards.first() else {
        return Err("nothing to merge".into());
    };
    let (fields, db_limit, total) = (first.fields.clone(), first.db_limit, first.grid_points);
    let mut points = Vec::with_capacity(total as usize);
    for (i, s) in shards.into_iter().enumerate() {
        if s.fields != fields || s.db_limit != db_limit || s.grid_points != total {
            return Err(format!(
                "input {} is from another sweep: fields {:?} of {} points, not {:?} of {total}",
                i + 1,
                s.fields,
                s.grid_points,
                fields
            ));
        }
        if s.shard.is_none() {
            return Err(format!(
                "input {} is a whole sweep, not a shard (made without --shard)",
                i + 1
            ));
        }
        points.extend(s.points);
    }
    points.sort_by_key(|p| p.index);
    for (want, p) in points.iter().enumerate() {
        if p.index != want as u64 {
            return Err(if p.index < want as u64 {
                format!("point {} is in more than one input", p.index)
            } else {
                format!("point {want} is missing: is a shard left out?")
            });
        }
    }
    if points.len() as u64 != total {
        return Err(format!(
            "point {} is missing: is a shard left out?",
            points.len()
        ));
    }
    Ok(GridSweep {
        fields,
        db_limit,
        grid_points: total,
        shard: None,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axes() -> Vec<Axis> {
        vec![
            Axis {
                field: "pool.max_size".into(),
                values: vec![2.0, 4.0],
            },
            Axis {
                field: "fleet.instances".into(),
                values: vec![1.0, 2.0, 3.0],
            },
        ]
    }

    #[test]
    fn grid_order_and_shards() {
        let a = axes();
        assert_eq!(grid_size(&a), Ok(6));
        let all: Vec<Vec<f64>> = (0..6).map(|i| values_at(&a, i)).collect();
        assert_eq!(all[0], [2.0, 1.0]);
        assert_eq!(all[2], [2.0, 3.0]);
        assert_eq!(all[3], [4.0, 1.0]);
        assert_eq!(all[5], [4.0, 3.0]);
        let s = Shard::parse("2/4").unwrap();
        let taken: Vec<u64> = (0..10).filter(|&i| s.takes(i)).collect();
        assert_eq!(taken, [1, 5, 9]);
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let mut huge = a.clone();
        huge[0].values = vec![1.0; 1000];
        huge[1].values = vec![1.0; 1000];
        assert!(grid_size(&huge).unwrap_err().contains("1000000 points"));
    }

    #[test]
    fn merged_shards_are_the_whole_grid() {
        let base =
            crate::parse(r#"{"duration_s": 2, "warmup_s": 0, "workload": {"rate_per_s": 50}}"#)
                .unwrap();
        let a = axes();
        let whole = run_grid(&base, &a, None, u64::MAX, &mut |_| {}).unwrap();
        assert_eq!(whole.points.len(), 6);
        // Points differ, so a mix-up would show.
        assert_ne!(whole.points[0], whole.points[5]);
        let shards: Vec<GridSweep> = (1..=4)
            .rev()
            .map(|k| {
                let shard = Some(Shard { k, n: 4 });
                run_grid(&base, &a, shard, u64::MAX, &mut |_| {}).unwrap()
            })
            .collect();
        assert_eq!(merge(shards.clone()).unwrap(), whole);
        let e = merge(shards[1..].to_vec()).unwrap_err();
        assert!(e.contains("missing"), "{e}");
        let mut twice = shards.clone();
        twice.push(shards[0].clone());
        assert!(merge(twice).unwrap_err().contains("more than one"));
        assert!(
            merge(vec![whole.clone()])
                .unwrap_err()
                .contains("not a shard")
        );
        // Eight shards of six points: without shard 6 (point 5 alone) the
        // rest run 0 to 4 without a gap; the grid's size shows the loss.
        let eighths: Vec<GridSweep> = (1..=8)
            .filter(|&k| k != 6)
            .map(|k| {
                let shard = Some(Shard { k, n: 8 });
                run_grid(&base, &a, shard, u64::MAX, &mut |_| {}).unwrap()
            })
            .collect();
        assert!(merge(eighths).unwrap_err().contains("point 5 is missing"));
    }
}
