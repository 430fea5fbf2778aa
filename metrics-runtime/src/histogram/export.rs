//! A [`Histogram`] registered on its own: its collector, written straight
//! from its counts during an encode.

use std::sync::Arc;

use prometheus::core::{Collector, Desc};
use prometheus::proto::{self, MetricType};
use prometheus::Opts;

use super::{reading, Core, Histogram};
use crate::encoding::direct::{
    DirectFamily, LabelPairs, Labels, NoLabels, RenderedLabels, Samples,
};
use crate::encoding::engine::{self, Announced, Source};
use crate::instrument::exposition::metric_family;

/// The name, help and constant labels of a histogram of its own.
pub(super) struct Export {
    desc: Desc,
    name: String,
    help: String,
    /// Constant labels by name, rendered once.
    labels: RenderedLabels,
    core: Arc<Core>,
}

impl Export {
    pub(super) fn new(opts: &Opts, core: Arc<Core>) -> prometheus::Result<Export> {
        let desc = Desc::new(
            opts.fq_name(),
            opts.help.clone(),
            Vec::new(),
            opts.const_labels.clone(),
        )?;
        let mut constant: Vec<(&str, &str)> = opts
            .const_labels
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        constant.sort_unstable();
        Ok(Export {
            name: desc.fq_name.clone(),
            help: desc.help.clone(),
            labels: RenderedLabels::new(constant),
            desc,
            core,
        })
    }

    fn labels(&self) -> Labels<'_> {
        Labels {
            series: &self.labels,
            extra: None,
            constant: &NoLabels,
        }
    }
}

impl DirectFamily for Export {
    fn write_samples(&self, _part: usize, values: &[u64], out: &mut dyn Samples) {
        self.core.write_sample(values, self.labels(), out);
    }
}

impl Collector for Histogram {
    fn desc(&self) -> Vec<&Desc> {
        self.export.iter().map(|export| &export.desc).collect()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let Some(export) = &self.export else {
            return Vec::new();
        };
        if engine::deferring() {
            let announced = Announced {
                part: 0,
                name: &export.name,
                help: &export.help,
                kind: MetricType::HISTOGRAM,
            };
            let source: Arc<dyn DirectFamily> = export.clone();
            let deferred = engine::defer(Source::Shared(source), &[announced], |arena| {
                export.core.read_into(arena);
                true
            });
            if let Some(markers) = deferred {
                return markers;
            }
        }
        let mut pairs = Vec::new();
        export
            .labels
            .for_each_pair(&mut |name, value| pairs.push((name, value)));
        let metric = export.core.proto_metric(reading::label_pairs(pairs));
        vec![metric_family(
            export.name.clone(),
            export.help.clone(),
            MetricType::HISTOGRAM,
            vec![metric],
        )]
    }
}
