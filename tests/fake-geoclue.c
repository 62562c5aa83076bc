/* fake-geoclue.c: a stand-in for the GeoClue daemon on a private bus
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "fake-geoclue.h"

#define MANAGER_PATH "/org/freedesktop/GeoClue2/Manager"
#define CLIENT_PATH "/org/freedesktop/GeoClue2/Client/1"
#define LOCATION_PATH "/org/freedesktop/GeoClue2/Client/1/Location/1"

struct _FakeGeoClue {
  GSubprocess     *bus;
  char            *address;
  GDBusConnection *connection;
  GDBusNodeInfo   *info;
  guint            object_ids[3];
  guint            owner_id;
  gboolean         hang;
  gboolean         started;
  char            *desktop_id;
  GPtrArray       *swallowed;
};

static const char fake_geoclue_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.GeoClue2.Manager'>"
  "    <method name='GetClient'><arg name='client' type='o' direction='out'/></method>"
  "    <method name='CreateClient'><arg name='client' type='o' direction='out'/></method>"
  "    <method name='DeleteClient'><arg name='client' type='o' direction='in'/></method>"
  "    <property name='InUse' type='b' access='read'/>"
  "    <property name='AvailableAccuracyLevel' type='u' access='read'/>"
  "  </interface>"
  "  <interface name='org.freedesktop.GeoClue2.Client'>"
  "    <method name='Start'/>"
  "    <method name='Stop'/>"
  "    <signal name='LocationUpdated'><arg name='old' type='o'/><arg name='new' type='o'/></signal>"
  "    <property name='Location' type='o' access='read'/>"
  "    <property name='DistanceThreshold' type='u' access='readwrite'/>"
  "    <property name='TimeThreshold' type='u' access='readwrite'/>"
  "    <property name='DesktopId' type='s' access='readwrite'/>"
  "    <property name='RequestedAccuracyLevel' type='u' access='readwrite'/>"
  "    <property name='Active' type='b' access='read'/>"
  "  </interface>"
  "  <interface name='org.freedesktop.GeoClue2.Location'>"
  "    <property name='Latitude' type='d' access='read'/>"
  "    <property name='Longitude' type='d' access='read'/>"
  "    <property name='Accuracy' type='d' access='read'/>"
  "    <property name='Altitude' type='d' access='read'/>"
  "    <property name='Speed' type='d' access='read'/>"
  "    <property name='Heading' type='d' access='read'/>"
  "    <property name='Description' type='s' access='read'/>"
  "    <property name='Timestamp' type='(tt)' access='read'/>"
  "  </interface>"
  "</node>";

static void
fake_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  FakeGeoClue *fake = user_data;

  if (fake->hang)
    {
      g_ptr_array_add (fake->swallowed, g_object_ref (invocation));
      return;
    }
  if (g_str_equal (method_name, "GetClient") || g_str_equal (method_name, "CreateClient"))
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", CLIENT_PATH));
      return;
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
  if (g_str_equal (method_name, "Start"))
    {
      fake->started = TRUE;
      g_dbus_connection_emit_signal (connection, NULL, CLIENT_PATH, "org.freedesktop.GeoClue2.Client",
                                     "LocationUpdated", g_variant_new ("(oo)", "/", LOCATION_PATH), NULL);
    }
}

static GVariant *
fake_get_property (GDBusConnection *connection,
                   const char      *sender,
                   const char      *object_path,
                   const char      *interface_name,
                   const char      *property_name,
                   GError         **error,
                   gpointer         user_data)
{
  FakeGeoClue *fake = user_data;
  const struct { const char *name; double value; } doubles[] = {
    { "Latitude", -8.1123 }, { "Longitude", 115.0912 }, { "Accuracy", 12.5 },
    { "Altitude", 35.0 }, { "Speed", -1 }, { "Heading", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    if (g_str_equal (property_name, doubles[i].name))
      return g_variant_new_double (doubles[i].value);
  if (g_str_equal (property_name, "Timestamp"))
    return g_variant_new ("(tt)", (guint64) FAKE_GEOCLUE_FIX_TIME, (guint64) 250000);
  if (g_str_equal (property_name, "Description"))
    return g_variant_new_string ("");
  if (g_str_equal (property_name, "Location"))
    return g_variant_new_object_path (fake->started ? LOCATION_PATH : "/");
  if (g_str_equal (property_name, "DesktopId"))
    return g_variant_new_string (fake->desktop_id ? fake->desktop_id : "");
  if (g_str_equal (property_name, "InUse") || g_str_equal (property_name, "Active"))
    return g_variant_new_boolean (fake->started);
  return g_variant_new_uint32 (g_str_equal (property_name, "AvailableAccuracyLevel")
                               || g_str_equal (property_name, "RequestedAccuracyLevel") ? 8 : 0);
}

static gboolean
fake_set_property (GDBusConnection *connection,
                   const char      *sender,
                   const char      *object_path,
                   const char      *interface_name,
                   const char      *property_name,
                   GVariant        *value,
                   GError         **error,
                   gpointer         user_data)
{
  FakeGeoClue *fake = user_data;

  if (g_str_equal (property_name, "DesktopId"))
    {
      g_free (fake->desktop_id);
      fake->desktop_id = g_variant_dup_string (value, NULL);
    }
  return TRUE;
}

static const GDBusInterfaceVTable fake_vtable = { fake_method_call, fake_get_property, fake_set_property, { 0 } };

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}


/* A dbus-daemon of our own, not GTestDBus: that one takes over the session
 * bus and, when it goes, waits for the program's session connection
 * (GTK's) to go too. */
FakeGeoClue *
fake_geoclue_new_bus (void)
{
  g_autofree char *daemon = g_find_program_in_path ("dbus-daemon");
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  FakeGeoClue *fake;

  if (daemon == NULL)
    {
      g_test_skip ("dbus-daemon is needed for a stand-in GeoClue");
      return NULL;
    }
  fake = g_new0 (FakeGeoClue, 1);
  fake->swallowed = g_ptr_array_new_with_free_func (g_object_unref);
  fake->bus = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, daemon, "--session", "--nofork",
                                "--nopidfile", "--print-address=1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fake->bus));
  fake->address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fake->address);
  g_strstrip (fake->address);
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", fake->address, TRUE);
  return fake;
}

const char *
fake_geoclue_get_address (FakeGeoClue *fake)
{
  return fake->address;
}

void
fake_geoclue_serve (FakeGeoClue *fake,
                    gboolean     hang)
{
  const char *paths[] = { MANAGER_PATH, CLIENT_PATH, LOCATION_PATH };
  g_autoptr(GError) error = NULL;
  gboolean acquired = FALSE;

  fake->hang = hang;
  fake->connection = g_dbus_connection_new_for_address_sync (fake->address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                             | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);
  fake->info = g_dbus_node_info_new_for_xml (fake_geoclue_xml, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      fake->object_ids[i] = g_dbus_connection_register_object (fake->connection, paths[i],
                                                               fake->info->interfaces[i],
                                                               &fake_vtable, fake, NULL, &error);
      g_assert_no_error (error);
    }
  fake->owner_id = g_bus_own_name_on_connection (fake->connection, "org.freedesktop.GeoClue2",
                                                 G_BUS_NAME_OWNER_FLAGS_NONE,
                                                 on_name_acquired, NULL, &acquired, NULL);
  while (!acquired)
    g_main_context_iteration (NULL, TRUE);
}

void
fake_geoclue_set_hang (FakeGeoClue *fake,
                       gboolean     hang)
{
  fake->hang = hang;
}

guint
fake_geoclue_get_n_swallowed (FakeGeoClue *fake)
{
  return fake->swallowed->len;
}

void
fake_geoclue_release (FakeGeoClue *fake)
{
  for (guint i = 0; i < fake->swallowed->len; i++)
    g_dbus_method_invocation_return_dbus_error (g_object_ref (fake->swallowed->pdata[i]),
                                                "org.freedesktop.DBus.Error.Failed", "test over");
  g_ptr_array_set_size (fake->swallowed, 0);
}

const char *
fake_geoclue_get_desktop_id (FakeGeoClue *fake)
{
  return fake->desktop_id;
}

void
fake_geoclue_free (FakeGeoClue *fake)
{
  g_autoptr(GDBusConnection) system = NULL;

  if (fake == NULL)
    return;
  if (fake->connection != NULL)
    {
      g_bus_unown_name (fake->owner_id);
      for (guint i = 0; i < G_N_ELEMENTS (fake->object_ids); i++)
        g_dbus_connection_unregister_object (fake->connection, fake->object_ids[i]);
      g_dbus_connection_close_sync (fake->connection, NULL, NULL);
      g_clear_object (&fake->connection);
      g_clear_pointer (&fake->info, g_dbus_node_info_unref);
    }
  /* The shared system-bus connection must outlive our bus quietly. */
  system = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  if (system != NULL)
    g_dbus_connection_set_exit_on_close (system, FALSE);
  g_subprocess_force_exit (fake->bus);
  g_subprocess_wait (fake->bus, NULL, NULL);
  g_clear_object (&fake->bus);
  g_free (fake->address);
  g_ptr_array_unref (fake->swallowed);
  g_free (fake->desktop_id);
  g_free (fake);
}
