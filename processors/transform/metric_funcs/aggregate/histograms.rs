//! Merging histogram and exponential histogram points (always by sum), as
//! otelcol's `aggregateutil` does: points with no observations are skipped,
//! counts, sums and buckets add up, min and max widen, exemplars gather.

use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::{ExponentialHistogramDataPoint, HistogramDataPoint};

use super::{group, key};

fn start(delta: bool, start: u64) -> String {
    if delta {
        start.to_string()
    } else {
        String::new()
    }
}

fn add_counts(to: &mut Vec<u64>, from: &[u64]) {
    for (i, c) in from.iter().enumerate() {
        match to.get_mut(i) {
            Some(t) => *t += c,
            None => to.push(*c),
        }
    }
}

/// The shared part: count, sum, min, max, exemplars, start time.
macro_rules! merge_common {
    ($dp:ident, $o:ident) => {
        $dp.count += $o.count;
        $dp.sum = Some($dp.sum.unwrap_or_default() + $o.sum.unwrap_or_default());
        if let (Some(a), Some(b)) = ($dp.min, $o.min) {
            $dp.min = Some(a.min(b));
        }
        if let (Some(a), Some(b)) = ($dp.max, $o.max) {
            $dp.max = Some(a.max(b));
        }
        $dp.exemplars.extend($o.exemplars);
        $dp.start_time_unix_nano = $dp.start_time_unix_nano.min($o.start_time_unix_nano);
    };
}

pub(super) fn merge(points: Vec<HistogramDataPoint>, delta: bool) -> Vec<HistogramDataPoint> {
    let groups = group(points, |p| {
        let extra = format!(
            "{:?}|{}|{}|{}|{}",
            p.explicit_bounds,
            start(delta, p.start_time_unix_nano),
            p.min.is_some(),
            p.max.is_some(),
            p.flags
        );
        key(&p.attributes, p.time_unix_nano, extra)
    });
    fold_groups(
        groups,
        |p| p.count,
        |dp, o| {
            add_counts(&mut dp.bucket_counts, &o.bucket_counts);
            merge_common!(dp, o);
        },
    )
}

/// Each group as its first point with the others that have observations added by `add`.
fn fold_groups<T: Default>(groups: Vec<Vec<T>>, count: fn(&T) -> u64, add: fn(&mut T, T)) -> Vec<T> {
    groups
        .into_iter()
        .map(|g| {
            let mut it = g.into_iter();
            let mut dp = it.next().unwrap_or_default();
            for o in it.filter(|o| count(o) > 0) {
                add(&mut dp, o);
            }
            dp
        })
        .collect()
}

pub(super) fn merge_exponential(
    points: Vec<ExponentialHistogramDataPoint>,
    delta: bool,
) -> Vec<ExponentialHistogramDataPoint> {
    let offset = |b: &Option<Buckets>| b.as_ref().map_or(0, |b| b.offset);
    let groups = group(points, |p| {
        let extra = format!(
            "{}|{}|{}|{}|{}|{}|{}",
            p.scale,
            p.min.is_some(),
            p.max.is_some(),
            p.flags,
            offset(&p.negative),
            offset(&p.positive),
            start(delta, p.start_time_unix_nano)
        );
        key(&p.attributes, p.time_unix_nano, extra)
    });
    fold_groups(
        groups,
        |p| p.count,
        |dp, o| {
            dp.zero_count += o.zero_count;
            for (to, from) in [(&mut dp.negative, &o.negative), (&mut dp.positive, &o.positive)] {
                if let Some(from) = from {
                    add_counts(&mut to.get_or_insert_with(Default::default).bucket_counts, &from.bucket_counts);
                }
            }
            merge_common!(dp, o);
        },
    )
}
