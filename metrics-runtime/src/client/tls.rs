//! TLS for `https://` URLs (feature `tls`): rustls with the ring provider,
//! trusting the system's root certificates or a PEM bundle given instead.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// The configuration trusting the system's roots, loaded once per process.
pub(super) fn system_roots() -> Result<Arc<ClientConfig>, String> {
    static SYSTEM: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    SYSTEM
        .get_or_init(|| {
            let loaded = rustls_native_certs::load_native_certs();
            for err in &loaded.errors {
                log::warn!("a system root certificate could not be read: {err}");
            }
            let mut roots = RootCertStore::empty();
            let (_, ignored) = roots.add_parsable_certificates(loaded.certs);
            if ignored > 0 {
                log::warn!("{ignored} system root certificates were not usable");
            }
            config(roots)
        })
        .clone()
}

/// The configuration trusting only the certificates of `pem` (a private
/// CA's, or a self-signed server's).
pub(super) fn pem_roots(pem: &[u8]) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|err| format!("not a PEM certificate: {err}"))?;
        roots
            .add(cert)
            .map_err(|err| format!("not a usable root certificate: {err}"))?;
    }
    if roots.is_empty() {
        return Err("the PEM holds no certificate".to_owned());
    }
    config(roots)
}

fn config(roots: RootCertStore) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("TLS: {err}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pem_without_certificates_is_an_error() {
        assert!(pem_roots(b"").unwrap_err().contains("no certificate"));
        let broken = b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
        assert!(pem_roots(broken).is_err());
    }
}
