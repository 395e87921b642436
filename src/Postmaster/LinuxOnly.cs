// The executable is linux-x64 only (Native AOT), as the library it wraps declares.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
