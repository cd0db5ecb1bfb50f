// Veil runs on Linux (libc calls, Unix file modes for key files).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
