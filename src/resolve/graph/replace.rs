//! The main module's `replace` rules, indexed the way the go command looks them up: an exact
//! `path version` rule before a `path` rule for every version.

use std::collections::HashMap;

use crate::formats::module::ModuleVersion;

use super::{GraphError, ReplaceRule, ReplaceTarget, ResolvedModule, at, target_string};

/// The main module's `replace` rules, indexed the way the go command looks them up.
#[derive(Debug, Clone, Default)]
pub(super) struct Replacements {
    exact: HashMap<ModuleVersion, ReplaceTarget>,
    any_version: HashMap<String, ReplaceTarget>,
}

impl Replacements {
    pub(super) fn new(rules: &[ReplaceRule]) -> Result<Replacements, GraphError> {
        let mut replacements = Replacements::default();
        for rule in rules {
            let (old, previous) = match &rule.old_version {
                Some(version) => {
                    let key = ModuleVersion {
                        path: rule.old_path.clone(),
                        version: version.clone(),
                    };
                    let old = at(&key);
                    (old, replacements.exact.insert(key, rule.target.clone()))
                }
                None => (
                    rule.old_path.clone(),
                    replacements
                        .any_version
                        .insert(rule.old_path.clone(), rule.target.clone()),
                ),
            };
            if let Some(previous) = previous
                && previous != rule.target
            {
                return Err(GraphError::ConflictingReplacements {
                    old,
                    first: target_string(&previous),
                    second: target_string(&rule.target),
                });
            }
        }
        Ok(replacements)
    }

    pub(super) fn resolve(&self, module: &ModuleVersion) -> ResolvedModule {
        let target = self
            .exact
            .get(module)
            .or_else(|| self.any_version.get(&module.path));
        match target {
            Some(ReplaceTarget::Module(mv)) => ResolvedModule::Module(mv.clone()),
            Some(ReplaceTarget::Dir(dir)) => ResolvedModule::Dir(dir.clone()),
            None => ResolvedModule::Module(module.clone()),
        }
    }
}

impl Replacements {
    /// The rule for `module`, and whether it names the version (`path version => …`).
    pub(super) fn find(&self, module: &ModuleVersion) -> Option<(bool, &ReplaceTarget)> {
        if let Some(t) = self.exact.get(module) {
            return Some((true, t));
        }
        self.any_version.get(&module.path).map(|t| (false, t))
    }
}
