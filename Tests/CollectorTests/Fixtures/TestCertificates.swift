// Test certificates, generated once with (valid until 2126):
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 \
//     -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
// and the same with CN and subjectAltName DNS:elsewhere.example for the host name check.
// Self-signed: each certificate is its own CA (what --ca is given). Test-only keys.
enum TestCertificates {
    /// CN=localhost, SAN DNS:localhost, IP:127.0.0.1.
    static let localhostCertificate = """
-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUKhMlXEIHBPGN+w7yFOLS04hjjAYwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNzAwMzAzOFoYDzIxMjYxMTAz
MDAzMDM4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQY5zUz/LaPW/HsoPde7ZgmZevORomNKmlQ38LAAeMdJOfeToVbt2S3
GMuzouj4JhmKi1Nf4qQ103bx5r/Qss6Lo28wbTAdBgNVHQ4EFgQU04qkeCuae1uy
CyRTQ+H/2MJC9OgwHwYDVR0jBBgwFoAU04qkeCuae1uyCyRTQ+H/2MJC9OgwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSQAwRgIhAM7CPuCJdjgdlyXzEBIUr4G1p4Vip80YNVtjJcvc83l+AiEA
mMZOPPTcgY9JCxtEJoeDjuhPkwCyjjB5IqIzeo/As18=
-----END CERTIFICATE-----
"""

    static let localhostKey = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoMGiiUOjosqDdKZy
+7JKfttgFcl/bPIxcPDhm93nIeWhRANCAAQY5zUz/LaPW/HsoPde7ZgmZevORomN
KmlQ38LAAeMdJOfeToVbt2S3GMuzouj4JhmKi1Nf4qQ103bx5r/Qss6L
-----END PRIVATE KEY-----
"""

    /// CN and SAN elsewhere.example: valid, trusted with --ca, but not for 127.0.0.1.
    static let otherHostCertificate = """
-----BEGIN CERTIFICATE-----
MIIBrDCCAVOgAwIBAgIUKvK3q2vgIHrH8ix0xyUehTrsMW4wCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRZWxzZXdoZXJlLmV4YW1wbGUwIBcNMjYxMTI3MDAzMDM4WhgP
MjEyNjExMDMwMDMwMzhaMBwxGjAYBgNVBAMMEWVsc2V3aGVyZS5leGFtcGxlMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAECw9DMulAvLFXfypORwGb+gZZSo7E0RM7
YkZEf/Brpydkaj9xPvpT2xcqLbPZ6AE9SxJVbXSWFgQ54XQgKxGt1KNxMG8wHQYD
VR0OBBYEFJNEfNYMnKmz1UuCSvtYSnuwY4S4MB8GA1UdIwQYMBaAFJNEfNYMnKmz
1UuCSvtYSnuwY4S4MA8GA1UdEwEB/wQFMAMBAf8wHAYDVR0RBBUwE4IRZWxzZXdo
ZXJlLmV4YW1wbGUwCgYIKoZIzj0EAwIDRwAwRAIgSCxzDklj4eh7cepZITh06STf
RMluhYMfAFeaunu2xhoCIFPc3RoOd+B+VuxExJxgBgxg/02KnKzy5DsYSkVh9olW
-----END CERTIFICATE-----
"""

    static let otherHostKey = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7UQChPFt6kv2/QVb
FR/dLWIlK+5+EIhLZ/1cXFWwBAihRANCAAQLD0My6UC8sVd/Kk5HAZv6BllKjsTR
EztiRkR/8GunJ2RqP3E++lPbFyots9noAT1LElVtdJYWBDnhdCArEa3U
-----END PRIVATE KEY-----
"""
}
