// The reference proxy's configuration: nginx proxy_pass to the mock with upstream keep-alive, one process, no log.

export interface NginxConfigOptions {
  /** Directory for the pid file, the error log and nginx's temporary files. */
  readonly dir: string
  readonly listenPort: number
  /** `127.0.0.1:PORT` of the mock upstream. */
  readonly upstream: string
}

/**
 * - `daemon off` and `master_process off`: one process, the child of the runner, so that stopping (or SIGKILL of)
 *   that one pid leaves nothing behind, and its CPU and memory are that pid's. The event loop is the same one a
 *   worker of `worker_processes 1` runs.
 * - `access_log off`: nginx writes no line per request, as the gateway at LOG_LEVEL=warn writes none.
 * - `keepalive_requests 1000000` (client side and upstream side): nginx's default of 1000 would close a connection
 *   every 1000 requests, which Node's server and undici's pool never do.
 * - upstream `keepalive 64` with `proxy_http_version 1.1` and an empty `Connection` header: keep-alive to the mock.
 * - `proxy_buffering off`: every chunk from the mock is written to the client as it arrives (streams).
 * - `proxy_read_timeout 900s`: the idle-streams scenario holds streams silent for minutes.
 * - `worker_connections 8192` and `worker_rlimit_nofile`: 1,000 idle streams are 2,000 sockets.
 */
export function nginxConfig(o: NginxConfigOptions): string {
  return `daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/error.log warn;

events {
  worker_connections 8192;
}

http {
  access_log off;
  client_body_temp_path ${o.dir}/client_body;
  proxy_temp_path ${o.dir}/proxy;
  fastcgi_temp_path ${o.dir}/fastcgi;
  uwsgi_temp_path ${o.dir}/uwsgi;
  scgi_temp_path ${o.dir}/scgi;
  keepalive_requests 1000000;

  upstream mock {
    server ${o.upstream};
    keepalive 64;
    keepalive_requests 1000000;
  }

  server {
    listen 127.0.0.1:${o.listenPort} backlog=4096;

    location = /nginx-health {
      return 200 "ok\\n";
    }

    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 900s;
    }
  }
}
`
}
