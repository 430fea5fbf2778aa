//! The item under `#[instrumented]` as the macro sees it.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{
    Attribute, Block, Expr, ExprAsync, ExprCall, FnArg, GenericArgument, Item, ItemFn, ItemImpl,
    Pat, PathArguments, ReturnType, Signature, Stmt, Token, TraitItemFn, Type, TypeInfer,
    TypeParamBound,
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
                block.abi.extern_token.span,
                "`#[instrumented]` cannot go on an `extern` block: its functions have no body to measure",
            )),
            Item::Verbatim(tokens) => match syn::parse2::<TraitItemFn>(tokens.clone()) {
                Ok(function) => Err(syn::Error::new(
                    function.sig.fn_token.span,
                    format!(
                        "`#[instrumented]` needs a function with a body to measure; `{}` has none",
                        function.sig.ident
                    ),
                )),
                Err(_) => Err(not_a_function(tokens.span(), None)),
            },
            other => {
                let (span, kind) = item_keyword(&other);
                Err(not_a_function(span, kind))
            }
        }
    }
}

fn not_a_function(span: proc_macro2::Span, kind: Option<&str>) -> syn::Error {
    let message = "`#[instrumented]` goes on a function or an `impl` block";
    match kind {
        Some(kind) => syn::Error::new(span, format!("{message}, not on a `{kind}`")),
        None => syn::Error::new(span, message),
    }
}

/// The keyword that says what kind of item this is (`struct`, `mod`, …), and its span.
fn item_keyword(item: &Item) -> (proc_macro2::Span, Option<&'static str>) {
    match item {
        Item::Struct(item) => (item.struct_token.span, Some("struct")),
        Item::Enum(item) => (item.enum_token.span, Some("enum")),
        Item::Union(item) => (item.union_token.span, Some("union")),
        Item::Trait(item) => (item.trait_token.span, Some("trait")),
        Item::TraitAlias(item) => (item.trait_token.span, Some("trait")),
        Item::Mod(item) => (item.mod_token.span, Some("mod")),
        Item::Const(item) => (item.const_token.span, Some("const")),
        Item::Static(item) => (item.static_token.span, Some("static")),
        Item::Type(item) => (item.type_token.span, Some("type")),
        Item::Use(item) => (item.use_token.span, Some("use")),
        Item::ExternCrate(item) => (item.extern_token.span, Some("extern crate")),
        Item::Macro(item) => (item.mac.path.span(), None),
        other => (other.span(), None),
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
    /// A plain function returning `impl Future<Output = T>`: the future
    /// its body builds is what is measured.
    ReturnsFuture { output: &'a Type },
}

impl<'a> BodyKind<'a> {
    pub fn of(sig: &'a Signature, block: &'a Block) -> Self {
        if sig.asyncness.is_some() {
            return BodyKind::Async;
        }
        if let Some(output) = impl_future_output(sig) {
            return BodyKind::ReturnsFuture { output };
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

/// `T` in a return type `impl Future<Output = T> + …`.
pub fn impl_future_output(sig: &Signature) -> Option<&Type> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let Type::ImplTrait(bounds) = ty.as_ref() else {
        return None;
    };
    output_binding(bounds.bounds.iter())
}

/// `T` of the bound `Future<Output = T>` among `bounds`.
fn output_binding<'t>(mut bounds: impl Iterator<Item = &'t TypeParamBound>) -> Option<&'t Type> {
    bounds.find_map(|bound| {
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

/// `T` in a return type `Pin<Box<dyn Future<Output = T> + …>>`.
pub fn future_output(sig: &Signature) -> Option<&Type> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let boxed = last_generic_type(ty, "Pin")?;
    let Type::TraitObject(object) = last_generic_type(boxed, "Box")? else {
        return None;
    };
    output_binding(object.bounds.iter())
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

/// The return type to annotate the wrapped body with, so that a type error
/// in the body is reported in the body. A `let` cannot name `impl Trait`,
/// so each one becomes `_`: `Result<impl Iterator, E>` → `Result<_, E>`.
pub fn inferable_return_type(sig: &Signature) -> Type {
    struct InferImplTrait;
    impl VisitMut for InferImplTrait {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            match ty {
                Type::ImplTrait(opaque) => {
                    *ty = Type::Infer(TypeInfer {
                        underscore_token: Token![_](opaque.impl_token.span),
                    });
                }
                _ => visit_mut::visit_type_mut(self, ty),
            }
        }
    }
    let ReturnType::Type(_, ty) = &sig.output else {
        return syn::parse_quote!(());
    };
    let mut ty = (**ty).clone();
    InferImplTrait.visit_type_mut(&mut ty);
    if mentions_impl_trait(&ty) {
        // Only inside a macro in type position; leave it all to inference.
        return syn::parse_quote!(_);
    }
    ty
}

/// Whether the function returns `impl Trait`: opaque to its callers, so
/// never a `Result` to them.
pub fn returns_impl_trait(sig: &Signature) -> bool {
    let ReturnType::Type(_, ty) = &sig.output else {
        return false;
    };
    let mut ty: &Type = ty;
    loop {
        match ty {
            Type::Paren(inner) => ty = &inner.elem,
            Type::Group(inner) => ty = &inner.elem,
            Type::ImplTrait(_) => return true,
            _ => return false,
        }
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

/// What the body evaluates to: the return type, or for an `#[async_trait]`
/// method the output of its boxed future. `None` for `()`.
pub fn value_type<'a>(sig: &'a Signature, block: &Block) -> Option<&'a Type> {
    match BodyKind::of(sig, block) {
        BodyKind::AsyncTrait { .. } => future_output(sig),
        BodyKind::ReturnsFuture { .. } => impl_future_output(sig),
        BodyKind::Sync | BodyKind::Async => match &sig.output {
            ReturnType::Type(_, ty) => Some(ty),
            ReturnType::Default => None,
        },
    }
}

/// Where `error_kind` finds the error type in a value type.
pub enum ErrorSource<'a> {
    /// `Result<T, E>` as written: `E`.
    Written(&'a Type),
    /// A path that may name a `Result` (`io::Result<T>`, an alias): the
    /// compiler decides.
    Path(&'a Type),
    /// A type that is no `Result`: a primitive, a tuple, `impl Trait`, …
    NotResult(&'a Type),
}

impl<'a> ErrorSource<'a> {
    pub fn of(ty: &'a Type) -> Self {
        match ty {
            Type::Paren(inner) => ErrorSource::of(&inner.elem),
            Type::Group(inner) => ErrorSource::of(&inner.elem),
            Type::Path(path) if path.qself.is_none() => {
                let Some(last) = path.path.segments.last() else {
                    return ErrorSource::Path(ty);
                };
                let never_result = if last.arguments.is_none() {
                    PRIMITIVES
                } else {
                    STD_GENERICS
                };
                if path.path.segments.len() == 1
                    && never_result.iter().any(|name| last.ident == name)
                {
                    return ErrorSource::NotResult(ty);
                }
                match &last.arguments {
                    PathArguments::AngleBracketed(args) if last.ident == "Result" => {
                        let types: Vec<&Type> = args
                            .args
                            .iter()
                            .filter_map(|arg| match arg {
                                GenericArgument::Type(ty) => Some(ty),
                                _ => None,
                            })
                            .collect();
                        match types[..] {
                            [_, error] => ErrorSource::Written(error),
                            _ => ErrorSource::Path(ty),
                        }
                    }
                    _ => ErrorSource::Path(ty),
                }
            }
            Type::Path(_) | Type::Macro(_) | Type::Verbatim(_) => ErrorSource::Path(ty),
            _ => ErrorSource::NotResult(ty),
        }
    }
}

/// Names no one aliases to a `Result`: without generic arguments, and with.
const PRIMITIVES: &[&str] = &[
    "bool", "char", "str", "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16",
    "u32", "u64", "u128", "usize", "String",
];
const STD_GENERICS: &[&str] = &["Option", "Vec", "Box"];

/// Where a type is best pointed at: the name in a path (`Error` in
/// `io::Error`, `Box` in `Box<dyn Error>`), else its first token.
pub fn name_span(ty: &Type) -> Span {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(|| ty.span(), |segment| segment.ident.span()),
        Type::Paren(inner) => name_span(&inner.elem),
        Type::Group(inner) => name_span(&inner.elem),
        _ => ty.span(),
    }
}

/// The type parameter among `params` that `ty` is, or whose associated
/// type it is (`T`, `T::Output`, `<T as Trait>::Output`).
pub fn type_parameter_of<'p>(ty: &Type, params: &[&'p syn::Ident]) -> Option<&'p syn::Ident> {
    match ty {
        Type::Paren(inner) => type_parameter_of(&inner.elem, params),
        Type::Group(inner) => type_parameter_of(&inner.elem, params),
        Type::Path(path) => {
            if let Some(qself) = &path.qself {
                return type_parameter_of(&qself.ty, params);
            }
            let first = path.path.segments.first()?;
            if path.path.leading_colon.is_some() || !first.arguments.is_empty() {
                return None;
            }
            params.iter().copied().find(|param| **param == first.ident)
        }
        _ => None,
    }
}
