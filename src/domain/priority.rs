//! Priority from impact and urgency, through a matrix the team can configure.
//!
//! The matrix is shared data: it lives in the settings record, made of edits like any other
//! record, so teammates who hold the same edits compute the same priorities.

use std::fmt;

use super::kind::{Choice, KindDecl};
use super::record::Record;
use super::value::Value;

/// Impact or urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    High,
    Medium,
    Low,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::High, Level::Medium, Level::Low];
    pub const CHOICES: &'static [Choice] = &[
        Choice { value: "high", label: "High" },
        Choice { value: "medium", label: "Medium" },
        Choice { value: "low", label: "Low" },
    ];

    pub fn id(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::High => "High",
            Level::Medium => "Medium",
            Level::Low => "Low",
        }
    }

    pub fn parse(id: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| level.id() == id)
    }
}

/// P1 (most urgent) to P4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];

    pub fn id(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        }
    }

    pub fn parse(id: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|priority| priority.id() == id)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Priority for every impact x urgency pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityMatrix {
    /// `cells[impact][urgency]`, in `Level::ALL` order.
    cells: [[Priority; 3]; 3],
}

impl Default for PriorityMatrix {
    /// The usual ITIL-style matrix: high x high is P1, low x low is P4.
    fn default() -> Self {
        use Priority::*;
        Self { cells: [[P1, P2, P3], [P2, P3, P4], [P3, P4, P4]] }
    }
}

impl PriorityMatrix {
    pub fn get(&self, impact: Level, urgency: Level) -> Priority {
        self.cells[impact as usize][urgency as usize]
    }

    pub fn set(&mut self, impact: Level, urgency: Level, priority: Priority) {
        self.cells[impact as usize][urgency as usize] = priority;
    }

    /// The settings field that holds one cell.
    pub fn field_id(impact: Level, urgency: Level) -> String {
        format!("priority.{}.{}", impact.id(), urgency.id())
    }

    /// The matrix the settings record describes: the default, with every cell the team set.
    pub fn from_settings(settings: Option<&Record>) -> Self {
        let mut matrix = Self::default();
        if let Some(settings) = settings {
            for impact in Level::ALL {
                for urgency in Level::ALL {
                    let cell = settings.value(&Self::field_id(impact, urgency)).and_then(Value::as_text);
                    if let Some(priority) = cell.and_then(Priority::parse) {
                        matrix.set(impact, urgency, priority);
                    }
                }
            }
        }
        matrix
    }

    /// A record's priority, when its kind has one and both inputs are set.
    pub fn priority_of(&self, kind: &KindDecl, record: &Record) -> Option<Priority> {
        let inputs = kind.priority?;
        let impact = Level::parse(record.text(inputs.impact))?;
        let urgency = Level::parse(record.text(inputs.urgency))?;
        Some(self.get(impact, urgency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Level::*;
    use Priority::*;

    #[test]
    fn the_default_matrix_runs_from_p1_to_p4() {
        let m = PriorityMatrix::default();
        let expected = [
            (High, High, P1),
            (High, Medium, P2),
            (High, Low, P3),
            (Medium, High, P2),
            (Medium, Medium, P3),
            (Medium, Low, P4),
            (Low, High, P3),
            (Low, Medium, P4),
            (Low, Low, P4),
        ];
        for (impact, urgency, priority) in expected {
            assert_eq!(m.get(impact, urgency), priority, "{impact:?} x {urgency:?}");
        }
    }

    #[test]
    fn a_configured_cell_overrides_only_itself() {
        let mut m = PriorityMatrix::default();
        m.set(Low, Low, P3);
        assert_eq!(m.get(Low, Low), P3);
        assert_eq!(m.get(Low, Medium), P4);
        assert_eq!(PriorityMatrix::field_id(High, Low), "priority.high.low");
    }
}
