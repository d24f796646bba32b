//! Resilience objectives: the service, one bound, amounts of the right
//! kind, known disasters.

use std::collections::HashMap;

use super::{Expect, Validator};
use crate::model::{Disaster, ServiceId};
use crate::objective::{Amount, Bound, Objective, Statistic};
use crate::scenario::path::SpecPath;

/// Checks objectives: the service, one bound, amounts of the right kind,
/// known disasters.
pub(super) fn validate_objectives(v: &mut Validator<'_>, disasters: &[Disaster]) -> Vec<Objective> {
    let spec = v.spec;
    let mut out = Vec::new();
    // The disasters each name selects (its own, or a site-loss template's
    // group), found once: an objective costs its names, not names x disasters.
    let mut named: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, d) in disasters.iter().enumerate() {
        named.entry(d.name.as_str()).or_default().push(k);
        if let Some(group) = d.group.as_deref()
            && group != d.name
        {
            named.entry(group).or_default().push(k);
        }
    }
    for (i, o) in spec.objectives.iter().enumerate() {
        let path = SpecPath::at("objectives", i);
        // A name is printed in the verdict table: checked as every name is.
        let fault = (!o.name.is_empty()).then(|| super::name_fault(&o.name)).flatten();
        if let Some(fault) = &fault {
            v.problem(path.field("name"), format!("objective #{} {fault}", i + 1));
        }
        let owner = match o.name.is_empty() || fault.is_some() {
            true => format!("objective #{}", i + 1),
            false => format!("objective '{}'", o.name),
        };
        // Every problem of the objective is reported, not only the first:
        // nothing below is skipped because something above was wrong.
        let service = if o.service == "*" {
            Some(None)
        } else {
            v.resolve(&o.service, Expect::Service, path.field("service"), &owner)
                .map(|c| Some(ServiceId(c - v.first_service)))
        };
        let bound = match (&o.at_most, &o.at_least) {
            (Some(a), None) => Some((Bound::AtMost(*a), "at_most")),
            (None, Some(a)) => Some((Bound::AtLeast(*a), "at_least")),
            _ => {
                v.problem(path.clone(), format!("{owner}: give exactly one of at_most and at_least"));
                None
            }
        };
        // The kind of amount the metric is measured in.
        let check_metric_amount = |v: &mut Validator<'_>, a: &Amount, field: SpecPath, what: &str| {
            if let Err(e) = o.metric.check_amount(a) {
                v.problem(field, format!("{owner}: {what} of {e}"));
            }
        };
        match &o.statistic {
            Statistic::ProbabilityAbove(threshold) => {
                check_metric_amount(v, threshold, path.field("statistic"), "the threshold");
                if let Some((bound, field)) = bound
                    && !matches!(bound.amount(), Amount::Number(p) if (0.0..=1.0).contains(&p))
                {
                    v.problem(path.field(field), format!("{owner}: a probability bound is a number between 0 and 1"));
                }
            }
            stat => {
                if let Statistic::Quantile(q) = stat
                    && !(*q > 0.0 && *q < 1.0)
                {
                    v.problem(
                        path.field("statistic"),
                        format!("{owner}: a quantile is strictly between 0 and 1, not {q}"),
                    );
                }
                if let Some((bound, field)) = bound {
                    check_metric_amount(v, &bound.amount(), path.field(field), "the bound");
                }
            }
        }
        let mut selected = Vec::new();
        for (di, name) in o.disasters.iter().enumerate() {
            let matching = named.get(name.as_str()).map_or(&[][..], Vec::as_slice);
            let at = path.field("disasters").index(di);
            if matching.is_empty() {
                let known = super::some_of(spec.disasters.iter().map(|d| d.name.as_str()), spec.disasters.len());
                v.problem(at, format!("{owner} refers to unknown disaster '{name}' (known: {known})"));
            } else if v.expand(matching.len(), 0, &at) {
                // Counted before it is held: objectives x the sites of a
                // site-loss template is an expansion too.
                selected.extend_from_slice(matching);
            }
        }
        selected.sort_unstable();
        selected.dedup();
        if let (Some(service), Some((bound, _))) = (service, bound) {
            out.push(Objective::new(&o.name, &o.service, service, o.metric, o.statistic.clone(), bound, selected));
        }
    }
    out
}
