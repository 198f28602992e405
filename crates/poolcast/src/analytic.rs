//! Analytic formulas (filled in by the calculator work).
