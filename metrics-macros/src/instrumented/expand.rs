//! Code generation for `#[instrumented]`; every decision was made in `valid`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Block, Expr, ExprAsync, ImplItem, ItemFn, ItemImpl, Meta, Signature, Stmt, Type};

use crate::errors::Errors;
use crate::instrumented::ast::{self, Annotated, BodyKind};
use crate::instrumented::attr::Args;
use crate::instrumented::callsite::{enter, label_call, located, registry_binding, statics};
use crate::instrumented::valid::{self, Context, OutcomeRule, Plan, PlannedValue};

/// `#[instrumented(args)] item`.
pub fn instrumented(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = Args::parse(args, &mut errors);
    let annotated = match Annotated::parse(item) {
        Ok(annotated) => annotated,
        Err(error) => {
            errors.push(error);
            errors.finish()?;
            unreachable!("an error was just pushed");
        }
    };
    match annotated {
        Annotated::Fn(function) => instrument_fn(&args, function, errors),
        Annotated::Impl(block) => instrument_impl(&args, block, errors),
    }
}

fn instrument_fn(
    args: &Args,
    mut function: ItemFn,
    mut errors: Errors,
) -> syn::Result<TokenStream> {
    let context = Context {
        self_type: None,
        in_instrumented_impl: false,
        attrs: &function.attrs,
        impl_generics: None,
    };
    let plan = valid::plan(args, &function.sig, &function.block, &context, &mut errors);
    errors.finish()?;
    *function.block = instrument_body(&plan, &function.sig, &function.block);
    Ok(function.into_token_stream())
}

// Input:
//     #[instrumented(args)] impl Type { fn a() {…} #[instrumented(skip)] fn b() {…} }
// Output:
//     impl Type { fn a() { /* measured with args */ } fn b() {…} }
fn instrument_impl(
    args: &Args,
    mut block: ItemImpl,
    mut errors: Errors,
) -> syn::Result<TokenStream> {
    if let Some(skip) = &args.skip {
        errors.at(
            skip.span(),
            "`skip` goes on a method, not on the `impl` block",
        );
    }
    let self_type = ast::self_type_name(&block);
    let impl_generics = block.generics.clone();

    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        let own_args = take_method_args(&mut method.attrs, &mut errors);
        let args = args.overridden_by(&own_args);
        if args.skip.is_some() {
            continue;
        }
        let context = Context {
            self_type: self_type.as_deref(),
            in_instrumented_impl: true,
            attrs: &method.attrs,
            impl_generics: Some(&impl_generics),
        };
        let plan = valid::plan(&args, &method.sig, &method.block, &context, &mut errors);
        method.block = instrument_body(&plan, &method.sig, &method.block);
    }
    errors.finish()?;
    Ok(block.into_token_stream())
}

/// Removes a method's own `#[instrumented(...)]` and returns its arguments.
fn take_method_args(attrs: &mut Vec<syn::Attribute>, errors: &mut Errors) -> Args {
    let mut own = Args::default();
    attrs.retain(|attr| {
        if !ast::is_instrumented_attr(attr) {
            return true;
        }
        match &attr.meta {
            Meta::Path(_) => {}
            Meta::List(list) => own = own.overridden_by(&Args::parse(list.tokens.clone(), errors)),
            Meta::NameValue(meta) => {
                errors.at(meta.eq_token.span, "expected `#[instrumented(...)]`")
            }
        }
        false
    });
    own
}

fn instrument_body(plan: &Plan, sig: &Signature, block: &Block) -> Block {
    let tokens = match BodyKind::of(sig, block) {
        BodyKind::Sync => sync_body(plan, sig, block),
        BodyKind::Async => async_body(plan, sig, block),
        BodyKind::AsyncTrait { future } => return async_trait_body(plan, sig, block, future),
        BodyKind::ReturnsFuture { output } => future_returning_body(plan, sig, block, output),
    };
    syn::parse2(tokens).unwrap_or_else(|error| {
        let error = error.to_compile_error();
        syn::parse_quote!({ #error })
    })
}

/// Locals the user's body cannot see.
struct Hidden {
    guard: syn::Ident,
    ret: syn::Ident,
    body: syn::Ident,
}

impl Hidden {
    fn new() -> Self {
        let hidden = |name| syn::Ident::new(name, Span::mixed_site());
        Hidden {
            guard: hidden("__metrics_guard"),
            ret: hidden("__metrics_ret"),
            body: hidden("__metrics_body"),
        }
    }
}

// Input:
//     fn f(tool: &str) -> Result<T, E> { body }
// Output:
//     fn f(tool: &str) -> Result<T, E> {
//         static SITE: CallSite = …;
//         let guard = SITE.enter(&[label(&tool, …)]);
//         let ret = call_once(move || -> Result<T, E> { body });
//         guard.finish(outcome(&ret));
//         ret
//     }
fn sync_body(plan: &Plan, sig: &Signature, block: &Block) -> TokenStream {
    let krate = &plan.krate;
    let Hidden { guard, ret, .. } = Hidden::new();
    let statics = statics(plan, sig);
    let enter = enter(plan);
    let finish = finish(plan, &guard, &ret);
    let return_type = ast::inferable_return_type(sig);
    let closure = quote!(move || -> #return_type #block);
    let unmeasured = unmeasured(plan, &statements(block), Some(&return_type));
    quote! {{
        #krate::__private::select!(
            enabled {
                #statics
                let #guard = #enter;
                // A body of type `!` is no diverging sub-expression to its author.
                #[allow(clippy::diverging_sub_expression)]
                let #ret = #krate::__private::call_once(#closure);
                #[allow(unreachable_code)]
                #finish
                #[allow(unreachable_code)]
                #ret
            }
            disabled { #unmeasured }
        )
    }}
}

// Input:
//     async fn f(tool: &str) -> Result<T, E> { body }
// Output:
//     async fn f(tool: &str) -> Result<T, E> {
//         static SITE: CallSite = …;
//         let guard = SITE.enter(&[label(&tool, …)]);
//         let ret = Instrumented::new(&mut guard, async move {
//             let body: Result<T, E> = { body };
//             body
//         }).await;
//         let ret: Result<T, E> = ret;
//         guard.finish(outcome(&ret));
//         ret
//     }
fn async_body(plan: &Plan, sig: &Signature, block: &Block) -> TokenStream {
    let krate = &plan.krate;
    let return_type = ast::inferable_return_type(sig);
    let future = annotated_future(&return_type, block);
    // `ret` is annotated too: after a type error in the body its type would
    // stay unknown, and classifying it would add a second, confusing error.
    let measured = measured_future(plan, sig, &future, Some(&return_type));
    let unmeasured = unmeasured(plan, &statements(block), Some(&return_type));
    quote! {{
        #krate::__private::select!(
            enabled { #measured }
            disabled { #unmeasured }
        )
    }}
}

// Input (as `#[async_trait]` leaves a method):
//     fn f<'life0, 'async_trait>(&'life0 self) -> Pin<Box<dyn Future<Output = T> + Send + 'async_trait>> {
//         Box::pin(async move { body })
//     }
// Output:
//     fn f<…>(&'life0 self) -> Pin<Box<dyn Future<Output = T> + Send + 'async_trait>> {
//         Box::pin(async move { /* as for an `async fn`, measuring `async move { body }` */ })
//     }
fn async_trait_body(plan: &Plan, sig: &Signature, block: &Block, future: &ExprAsync) -> Block {
    let krate = &plan.krate;
    let output = ast::future_output(sig).cloned();
    let measured = measured_future(plan, sig, &future.to_token_stream(), output.as_ref());
    let unmeasured = unmeasured(plan, future, output.as_ref());
    let replacement: Expr = syn::parse_quote! {
        #krate::__private::select!(
            enabled { async move { #measured } }
            disabled { #unmeasured }
        )
    };
    let mut block = block.clone();
    if let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.last_mut() {
        if let Some(argument) = call.args.first_mut() {
            *argument = replacement;
        }
    }
    block
}

// Input:
//     fn f(tool: &str) -> impl Future<Output = Result<T, E>> + Send { body }
// Output:
//     fn f(tool: &str) -> impl Future<Output = Result<T, E>> + Send {
//         static SITE: CallSite = …;
//         let guard = SITE.enter(&[label(&tool, …)]);   // labels read at the call
//         let future = call_once(move || body);         // a panic here is the call's
//         let mut guard = guard.into_async();            // dropped unpolled: cancelled
//         async move {
//             let ret = Instrumented::new(&mut guard, future).await;
//             guard.finish(outcome(&ret));
//             ret
//         }
//     }
fn future_returning_body(
    plan: &Plan,
    sig: &Signature,
    block: &Block,
    output: &Type,
) -> TokenStream {
    let krate = &plan.krate;
    let Hidden {
        guard, ret, body, ..
    } = Hidden::new();
    let statics = statics(plan, sig);
    let enter = enter(plan);
    let finish = finish(plan, &guard, &ret);
    let unmeasured = unmeasured(plan, &statements(block), None);
    quote! {{
        #krate::__private::select!(
            enabled {
                #statics
                let #guard = #enter;
                let #body = #krate::__private::call_once(move || #block);
                let mut #guard = #guard.into_async();
                async move {
                    let #ret = #krate::__private::Instrumented::new(&mut #guard, #body).await;
                    let #ret: #output = #ret;
                    #finish
                    #ret
                }
            }
            disabled { #unmeasured }
        )
    }}
}

/// The body as written, for the `disabled` feature, behind a closure that is
/// never called: label expressions and the error type of `error_kind` stay
/// type-checked, and their variables and the `ok_if`/`error_if` function
/// used, at no cost.
fn unmeasured(plan: &Plan, body: &impl ToTokens, return_type: Option<&Type>) -> TokenStream {
    let krate = &plan.krate;
    let checks = plan.labels.iter().filter_map(|label| match &label.value {
        PlannedValue::Param(param) => {
            let call = label_call(krate, param.span(), quote!(LabelValue::label_index));
            Some(quote_spanned!(param.span()=> #call(&#param);))
        }
        PlannedValue::Expr(expr) => {
            let call = label_call(krate, expr.span(), quote!(LabelValue::label_index));
            Some(quote_spanned!(expr.span()=> #call(&(#expr));))
        }
        _ => None,
    });
    let error_kind = plan.error_kind.zip(return_type).map(|(span, ty)| {
        let error = syn::Ident::new("__metrics_error", span);
        let call = located(quote!(#krate::__private::ErrorKind::error_kind), span);
        quote! {
            let _ = |#error: &#ty| {
                #call(#error, &mut #krate::__private::LabelBuf::new());
            };
        }
    });
    // Called on a reference to the return type, so a generic function's
    // type parameters are inferred as they are when measuring.
    let deciders = match &plan.outcome {
        OutcomeRule::OkIf(path) | OutcomeRule::ErrorIf(path) => Some(match return_type {
            Some(ty) => quote!(let _ = |__metrics_ret: &#ty| -> bool { #path(__metrics_ret) };),
            None => quote!(let _ = #path;),
        }),
        _ => None,
    };
    // Paths and expressions of the arguments stay type-checked and used.
    let buckets = plan
        .buckets
        .as_ref()
        .filter(|planned| matches!(planned, crate::args::PlannedBuckets::Path(_)))
        .map(|planned| {
            let slice = planned.to_slice(krate);
            quote!(let _ = #slice;)
        });
    let registry = plan
        .registry
        .as_ref()
        .map(|expr| registry_binding(krate, expr));
    quote! {
        let _ = || { #(#checks)* #deciders #buckets #registry };
        #error_kind
        #body
    }
}

/// The statements of `block` without its braces: a block as the last
/// expression of another trips `unused_braces` in the user's code.
fn statements(block: &Block) -> TokenStream {
    let statements = &block.stmts;
    quote!(#(#statements)*)
}

/// `async move { let body: Ret = { … }; body }`, so that type errors in the
/// body point at the body and at the declared return type.
fn annotated_future(return_type: &Type, block: &Block) -> TokenStream {
    let Hidden { body, .. } = Hidden::new();
    quote! {
        async move {
            // A body that ends in `panic!()` is no "diverging sub-expression"
            // to its author.
            #[allow(clippy::diverging_sub_expression)]
            let #body: #return_type = #block;
            #[allow(unreachable_code)]
            #body
        }
    }
}

/// The statements that measure `future` and evaluate to its output.
fn measured_future(
    plan: &Plan,
    sig: &Signature,
    future: &TokenStream,
    output: Option<&Type>,
) -> TokenStream {
    let krate = &plan.krate;
    let Hidden { guard, ret, .. } = Hidden::new();
    let statics = statics(plan, sig);
    let enter = enter(plan);
    let finish = finish(plan, &guard, &ret);
    let annotation = output.map(|ty| quote!(let #ret: #ty = #ret;));
    quote! {
        #statics
        let mut #guard = #enter;
        let #ret = #krate::__private::Instrumented::new(&mut #guard, #future).await;
        #annotation
        #[allow(unreachable_code)]
        #finish
        #[allow(unreachable_code)]
        #ret
    }
}

/// `guard.finish(outcome);`, with the error's kind under `error_kind`.
fn finish(plan: &Plan, guard: &syn::Ident, ret: &syn::Ident) -> TokenStream {
    let krate = &plan.krate;
    let outcome = outcome(plan, ret);
    match plan.error_kind {
        // The error is read through a local at `E`'s own span, so that an
        // `E` that is no label value is reported there, as a label is.
        Some(span) => {
            let buffer = syn::Ident::new("__metrics_kind", Span::mixed_site());
            let error = syn::Ident::new("__metrics_error", span);
            let call = located(quote!(#krate::__private::ErrorKind::error_kind), span);
            quote! {{
                let mut #buffer = #krate::__private::LabelBuf::new();
                let #error = &#ret;
                #guard.finish_with_kind(#outcome, #call(#error, &mut #buffer));
            }}
        }
        None => quote!(#guard.finish(#outcome);),
    }
}

fn outcome(plan: &Plan, ret: &syn::Ident) -> TokenStream {
    let krate = &plan.krate;
    match &plan.outcome {
        OutcomeRule::AlwaysOk => quote!(#krate::__private::Outcome::Ok),
        OutcomeRule::ByType => quote! {{
            #[allow(unused_imports)]
            use #krate::__private::{ClassifyAny as _, ClassifyResult as _};
            (&#krate::__private::Classify(&#ret)).outcome()
        }},
        OutcomeRule::OkIf(path) => quote!(#krate::__private::Outcome::from_ok(#path(&#ret))),
        OutcomeRule::ErrorIf(path) => quote!(#krate::__private::Outcome::from_ok(!#path(&#ret))),
    }
}
