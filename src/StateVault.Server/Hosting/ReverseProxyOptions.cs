namespace StateVault.Server.Hosting;

/// <summary>
/// Options for a server behind a reverse proxy (configuration section <c>StateVault:Server:ReverseProxy</c>). Off by default:
/// the client address is the connection's, and an <c>X-Forwarded-For</c> header sent by anyone is ignored, so a client cannot
/// pick the address the failed-authentication limit counts against.
/// </summary>
public sealed class ReverseProxyOptions
{
    /// <summary>Whether <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> from <see cref="KnownProxies"/> are applied.</summary>
    /// <value><see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>
    /// The addresses of the proxies whose forwarded headers are trusted; only the nearest forwarded address is taken.
    /// </summary>
    /// <value>Empty: the loopback addresses (a proxy on the same machine).</value>
    public IList<string> KnownProxies { get; } = [];
}
