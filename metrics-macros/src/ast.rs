//! The item under `#[instrumented]` as the macro sees it.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{
    Attribute, Block, Expr, ExprAsync, ExprCall, FnArg, GenericArgument, Item, ItemFn, ItemImpl,
    Pat, PathArguments, ReturnType, Signature, Stmt, Type, TypeParamBound,
};

/// What the attribute may stand on.
pub enum Annotated {
    Fn(ItemFn),
    Impl(ItemImpl),
}

impl Annotated {
    pub fn parse(tokens: TokenStream) -> syn::Result<Annotated> {
        let item: Item = syn::parse2(tokens)?;
        match item {
            Item::Fn(function) => Ok(Annotated::Fn(function)),
            Item::Impl(block) => Ok(Annotated::Impl(block)),
            Item::ForeignMod(block) => Err(syn::Error::new(
                block.abi.span(),
                "#[instrumented] cannot go on an `extern` block: its functions have no body to measure",
            )),
            Item::Verbatim(tokens) if is_bodiless_fn(&tokens) => Err(syn::Error::new(
                tokens.span(),
                "#[instrumented] needs a function with a body",
            )),
            other => Err(syn::Error::new(
                item_keyword_span(&other),
                "#[instrumented] goes on a function or an `impl` block",
            )),
        }
    }
}

fn is_bodiless_fn(tokens: &TokenStream) -> bool {
    syn::parse2::<syn::TraitItemFn>(tokens.clone()).is_ok()
}

/// The span of the keyword that says what kind of item this is (`struct`, `mod`, …).
fn item_keyword_span(item: &Item) -> proc_macro2::Span {
    match item {
        Item::Struct(item) => item.struct_token.span,
        Item::Enum(item) => item.enum_token.span,
        Item::Union(item) => item.union_token.span,
        Item::Trait(item) => item.trait_token.span,
        Item::Mod(item) => item.mod_token.span,
        Item::Const(item) => item.const_token.span,
        Item::Static(item) => item.static_token.span,
        Item::Type(item) => item.type_token.span,
        Item::Use(item) => item.use_token.span,
        other => other.span(),
    }
}

/// How the body runs, which decides how it is wrapped.
pub enum BodyKind<'a> {
    /// A plain function: the body runs in a closure.
    Sync,
    /// An `async fn`: the body runs in an `async` block.
    Async,
    /// A method already expanded by `#[async_trait]`: its body ends in
    /// `Box::pin(async move { … })`, and that future is what is measured.
    AsyncTrait { future: &'a ExprAsync },
}

impl<'a> BodyKind<'a> {
    pub fn of(sig: &Signature, block: &'a Block) -> Self {
        if sig.asyncness.is_some() {
            return BodyKind::Async;
        }
        match boxed_future(block) {
            Some(future) if future_output(sig).is_some() => BodyKind::AsyncTrait { future },
            _ => BodyKind::Sync,
        }
    }
}

/// The `async` block in a trailing `Box::pin(async move { … })`.
fn boxed_future(block: &Block) -> Option<&ExprAsync> {
    let Some(Stmt::Expr(Expr::Call(ExprCall { func, args, .. }), None)) = block.stmts.last() else {
        return None;
    };
    let Expr::Path(callee) = &**func else {
        return None;
    };
    let segments: Vec<String> = callee
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) || args.len() != 1 {
        return None;
    }
    match args.first() {
        Some(Expr::Async(future)) => Some(future),
        _ => None,
    }
}

/// `T` in a return type `Pin<Box<dyn Future<Output = T> + …>>`.
pub fn future_output(sig: &Signature) -> Option<&Type> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let boxed = last_generic_type(ty, "Pin")?;
    let Type::TraitObject(object) = last_generic_type(boxed, "Box")? else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let segment = bound.path.segments.last().filter(|s| s.ident == "Future")?;
        let PathArguments::AngleBracketed(args) = &segment.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

fn last_generic_type<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last().filter(|s| s.ident == wrapper)?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    })
}

/// The return type to annotate the wrapped body with, when it can be
/// written in a `let`: `None` for types that mention `impl Trait`.
pub fn nameable_return_type(sig: &Signature) -> Option<Type> {
    match &sig.output {
        ReturnType::Default => Some(syn::parse_quote!(())),
        ReturnType::Type(_, ty) if !mentions_impl_trait(ty) => Some((**ty).clone()),
        ReturnType::Type(..) => None,
    }
}

fn mentions_impl_trait(ty: &Type) -> bool {
    fn scan(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident == "impl",
            proc_macro2::TokenTree::Group(group) => scan(group.stream()),
            _ => false,
        })
    }
    scan(quote::ToTokens::to_token_stream(ty))
}

/// Names of the parameters bound by a plain identifier pattern.
pub fn parameter_names(sig: &Signature) -> Vec<&syn::Ident> {
    sig.inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(ident) => Some(&ident.ident),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .collect()
}

pub fn has_receiver(sig: &Signature) -> bool {
    sig.receiver().is_some()
}

/// `#[instrumented]`, `#[instrumented(...)]` or a path ending in it.
pub fn is_instrumented_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "instrumented")
}

/// The name `Type` of `impl … for Type` / `impl Type`, without generics.
pub fn self_type_name(block: &ItemImpl) -> Option<String> {
    let mut ty = &*block.self_ty;
    while let Type::Reference(reference) = ty {
        ty = &reference.elem;
    }
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}
