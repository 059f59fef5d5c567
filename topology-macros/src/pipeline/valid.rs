//! The rules a pipeline function's signature must follow.

use syn::{FnArg, Pat, ReturnType, Safety, Signature, Type};

use crate::errors::Errors;

/// Checks `sig`, recording a spanned error for each rule it breaks.
pub(crate) fn check_signature(sig: &Signature, errors: &mut Errors) {
    if let Some(constness) = &sig.constness {
        errors.error(constness, "a pipeline cannot be a `const fn`; remove `const`");
    }
    if sig.asyncness.is_none() {
        errors.error(sig.fn_token, "a pipeline must be an `async fn`: write `async fn` here");
    }
    if let Safety::Unsafe(unsafety) = &sig.safety {
        errors.error(unsafety, "a pipeline cannot be an `unsafe fn`; remove `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        errors.error(abi, "a pipeline cannot have an `extern` ABI; remove it");
    }
    if let Some(variadic) = &sig.variadic {
        errors.error(variadic, "a pipeline cannot take variadic arguments");
    }
    if !sig.generics.params.is_empty() {
        errors.error(
            &sig.generics,
            "a pipeline cannot be generic: the topology calls it with injected arguments of fixed types",
        );
    } else if let Some(clause) = &sig.generics.where_clause {
        errors.error(clause, "a pipeline cannot have a `where` clause");
    }
    if sig.ident == "main" {
        errors.error(
            &sig.ident,
            "a pipeline cannot be named `main`: `topology!` generates `main`; rename this function",
        );
    }
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.error(
                receiver,
                "a pipeline must be a free function, not a method: move it out of the `impl` block and pass what `self` held as an argument",
            ),
            FnArg::Typed(arg) => {
                let ty = ungroup(&arg.ty);
                if let Type::Reference(reference) = ty {
                    errors.error(
                        reference,
                        "pipeline arguments are owned values, injected by type: take the type itself, without `&`",
                    );
                }
                if let Type::ImplTrait(impl_trait) = ty {
                    errors.error(impl_trait, "a pipeline cannot be generic: `impl Trait` arguments are not injectable; name a concrete type");
                }
                if let Pat::Ident(ident) = &*arg.pat
                    && ident.by_ref.is_some()
                {
                    errors.error(ident, "a pipeline argument cannot bind by reference");
                }
            }
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output
        && let Type::ImplTrait(_) = ungroup(ty)
    {
        errors.error(ty, "a pipeline must return `()` or `Result<(), E>`, not `impl Trait`");
    }
}

/// The type inside invisible groups and parentheses, as a `macro_rules!`
/// `$t:ty` fragment or `(T)` delivers it.
pub(crate) fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => ungroup(&group.elem),
        Type::Paren(paren) => ungroup(&paren.elem),
        ty => ty,
    }
}
