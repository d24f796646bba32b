//! Logical paths into a scenario (`services[3].depends_on[1]`): how
//! validation names the element at fault, and what the source map turns
//! into a line and column.

use std::fmt;

/// One step of a logical path into the scenario: a field or a list index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    Field(&'static str),
    Index(usize),
}

/// A logical path such as `services[3].depends_on[1]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SpecPath(pub(crate) Vec<Seg>);

impl SpecPath {
    pub(crate) fn field(&self, name: &'static str) -> SpecPath {
        let mut p = self.clone();
        p.0.push(Seg::Field(name));
        p
    }
    pub(crate) fn index(&self, i: usize) -> SpecPath {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
    pub(crate) fn at(name: &'static str, i: usize) -> SpecPath {
        SpecPath(vec![Seg::Field(name), Seg::Index(i)])
    }
}

impl fmt::Display for SpecPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Field(name) if i == 0 => write!(f, "{name}")?,
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}
