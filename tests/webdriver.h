/* webdriver.h: a real headless Chromium for the dashboard's browser tests
 *
 * Debian's chromium, driven through chromedriver over the W3C WebDriver
 * protocol (libsoup and json-glib: no Node). Each WebDriver is one
 * browser with a fresh profile, stopped and removed by webdriver_free().
 * Every call fails the test with WebDriver's own words when the browser
 * refuses; a browser that cannot start fails the test with the reason.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _WebDriver WebDriver;

/* A browser window of @width × @height CSS pixels. */
WebDriver *webdriver_new            (guint       width,
                                     guint       height);
void       webdriver_free           (WebDriver  *driver);

void       webdriver_set_size       (WebDriver  *driver,
                                     guint       width,
                                     guint       height);
void       webdriver_navigate       (WebDriver  *driver,
                                     const char *url);
char      *webdriver_get_url        (WebDriver  *driver);
char      *webdriver_get_title      (WebDriver  *driver);

/* The first element matching the CSS @selector, waiting up to
 * @timeout_ms for it to appear; NULL if it never does. */
char      *webdriver_find           (WebDriver  *driver,
                                     const char *selector,
                                     guint       timeout_ms);
/* How many elements match @selector now. */
guint      webdriver_count          (WebDriver  *driver,
                                     const char *selector);
/* The rendered text of an element, as a user reads it. */
char      *webdriver_text           (WebDriver  *driver,
                                     const char *element);
void       webdriver_click          (WebDriver  *driver,
                                     const char *element);
void       webdriver_type           (WebDriver  *driver,
                                     const char *element,
                                     const char *text);
/* Runs @script (a function body; arguments as "arguments[i]") in the page
 * and returns what it returns. */
JsonNode  *webdriver_execute        (WebDriver  *driver,
                                     const char *script,
                                     JsonArray  *args);
/* A PNG of the viewport, written to @path. */
void       webdriver_screenshot     (WebDriver  *driver,
                                     const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebDriver, webdriver_free)

G_END_DECLS
