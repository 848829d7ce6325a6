//! One module per command. Each takes its `*Options` and a [`Context`], does its work through the
//! lower layers, and returns an [`Outcome`]; errors are `anyhow` errors with context.

pub(crate) mod check;
pub(crate) mod env;
pub(crate) mod go;
pub(crate) mod hash;
pub(crate) mod licenses;
pub(crate) mod mirror;
pub(crate) mod pack;
pub(crate) mod restore;
pub(crate) mod sbom;
pub(crate) mod status;
pub(crate) mod unpack;
pub(crate) mod verify;

pub(crate) use crate::util::context::Context;
pub use crate::util::context::{Outcome, error_exit_code};

/// What the user can do about `err`: every hint attached anywhere in its cause chain, in chain
/// order, each once, down to a hint given instead of its causes' (`hinted_instead`). `main`
/// prints them after the chain.
pub fn hints(err: &anyhow::Error) -> Vec<String> {
    use crate::formats::lock::LockError;
    use crate::sources::checked::SumError;
    use crate::sources::modcache::SourceError;
    use crate::txn::plan::PlanError;
    use crate::util::fsutil::FsError;
    use crate::util::hint::Hinted;
    let mut hints: Vec<String> = Vec::new();
    for e in err.chain() {
        if let Some(h) = e.downcast_ref::<Hinted>()
            && h.instead()
        {
            if !hints.iter().any(|x| x == h.hint()) {
                hints.push(h.hint().to_string());
            }
            break;
        }
        let hint = if let Some(h) = e.downcast_ref::<Hinted>() {
            Some(h.hint().to_string())
        } else if let Some(s) = e.downcast_ref::<SourceError>() {
            s.hint().map(str::to_string)
        } else if let Some(s) = e.downcast_ref::<SumError>() {
            Some(s.hint())
        } else if let Some(p) = e.downcast_ref::<PlanError>() {
            p.hint()
        } else if let Some(f) = e.downcast_ref::<FsError>() {
            f.hint()
        } else if let Some(l) = e.downcast_ref::<LockError>() {
            l.hint()
        } else {
            None
        };
        if let Some(h) = hint
            && !hints.contains(&h)
        {
            hints.push(h);
        }
    }
    hints
}

/// The repository in `dir` and what gomodoff laid out there (its gomodoff.lock), for the commands
/// that report on it; an error with a hint when nothing is laid out.
pub(crate) fn open_laid_out(
    dir: &std::path::Path,
) -> anyhow::Result<(crate::repo::Repo, crate::formats::lock::LockFile)> {
    let repo = crate::repo::open_vendored(dir)?;
    let Some(lock) = repo.lock.clone() else {
        crate::bail_hint!(
            hint = "run `gomodoff vendor` first, or give a bundle or GOPROXY tree with `--from`",
            "nothing laid out: there is no gomodoff.lock in `{}`",
            repo.root.display()
        );
    };
    Ok((repo, lock))
}

/// Environment variables as every `--json` document shows them: one object, in order.
pub(crate) fn env_document(vars: &[(String, String)]) -> serde_json::Value {
    vars.iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The body of the error document `--json` prints on stdout when a run fails (`"schema":
/// "gomodoff/error/v1"`): the command, and the error's message, causes, hints (joined by
/// newlines; null when none) and exit code.
pub fn error_document(command: &str, err: &anyhow::Error) -> serde_json::Value {
    let hints = hints(err);
    serde_json::json!({
        "command": command,
        "error": {
            "message": err.to_string(),
            "causes": err.chain().skip(1).map(ToString::to_string).collect::<Vec<_>>(),
            "hint": (!hints.is_empty()).then(|| hints.join("\n")),
            "exit_code": error_exit_code(err),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::hints;
    use crate::util::hint::{HintExt as _, hinted_instead};

    #[test]
    fn a_hint_given_instead_leaves_out_those_of_the_causes() {
        let inner: anyhow::Result<()> = Err(anyhow::anyhow!("no go.sum line"));
        let err = inner.hint("go mod download").unwrap_err();
        assert_eq!(hints(&err), ["go mod download"]);
        let err = hinted_instead(err, "gomodoff go get");
        assert_eq!(hints(&err), ["gomodoff go get"]);
        let err = crate::util::hint::hinted(err.context("vendor failed"), "outer");
        assert_eq!(hints(&err), ["outer", "gomodoff go get"]);
    }
}
