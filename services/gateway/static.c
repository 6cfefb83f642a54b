/*  static.c - the dashboard's files, served by wfa-gateway without a credential

    A fixed table: each URL names one file of the web folder (WFA_WEB_DIR, else
    the build's web/ beside bin/), so no path a client sends ever reaches the
    file system. The page holds no data: it asks the /v1 API with its Bearer. */
#include "gateway.h"
#include <limits.h>
#include <libgen.h>
#include <unistd.h>

static const gw_static_t s_files [] = {
    { "/",                      NULL,             NULL },     //  Redirect to /dash/
    { "/dash",                  NULL,             NULL },
    { "/dash/",                 "index.html",     "text/html; charset=utf-8" },
    { "/dash/index.html",       "index.html",     "text/html; charset=utf-8" },
    { "/dash/app.js",           "app.js",         "text/javascript; charset=utf-8" },
    { "/dash/i18n.js",          "i18n.js",        "text/javascript; charset=utf-8" },
    { "/dash/style.css",        "style.css",      "text/css; charset=utf-8" },
    { "/dash/chart.umd.js",     "chart.umd.js",   "text/javascript; charset=utf-8" },
    { NULL, NULL, NULL }
};

const gw_static_t *
gw_static_find (const char *url)
{
    for (const gw_static_t *file = s_files; file->url; file++)
        if (streq (file->url, url))
            return file;
    return NULL;
}

//  The web folder: WFA_WEB_DIR, else BIN/../web of the running program
static void
s_web_dir (char *dir, size_t size)
{
    const char *given = getenv ("WFA_WEB_DIR");
    if (given && *given) {
        snprintf (dir, size, "%s", given);
        return;
    }
    char exe [PATH_MAX];
    ssize_t length = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (length <= 0) {
        snprintf (dir, size, "web");
        return;
    }
    exe [length] = 0;
    snprintf (dir, size, "%s/../web", dirname (exe));
}

char *
gw_static_read (const gw_static_t *file, size_t *size)
{
    char dir [PATH_MAX], path [PATH_MAX + 64];
    s_web_dir (dir, sizeof dir);
    snprintf (path, sizeof path, "%s/%s", dir, file->file);
    FILE *handle = fopen (path, "rb");
    if (!handle)
        return NULL;
    char *text = NULL;
    if (fseek (handle, 0, SEEK_END) == 0) {
        long length = ftell (handle);
        if (length >= 0 && length < 16 * 1024 * 1024 && fseek (handle, 0, SEEK_SET) == 0) {
            text = (char *) malloc ((size_t) length + 1);
            assert (text);
            if (fread (text, 1, (size_t) length, handle) != (size_t) length) {
                free (text);
                text = NULL;
            }
            else
                *size = (size_t) length;
        }
    }
    fclose (handle);
    return text;
}
