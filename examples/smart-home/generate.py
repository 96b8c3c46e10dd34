#!/usr/bin/env python3
"""A seeded, synthetic smart-home event log for RecLite's context-aware recommenders.

Every row is one action a person in a household started from a hub, a wall panel or a phone:
which household, which action, when (timestamp, local hour, weekday) and in which room the
request came from. The log is written as RecLite's generic interactions CSV:

    household,action,timestamp,hour,weekday,room,action_name,device,device_room

What it models (see README.md next to this file): households with their own rooms and devices;
daily routines (waking up, leaving, coming home, dinner, the children's bedtime, going to bed,
working from home, weekend chores) whose time depends on the household's rhythm, the weekday
and the season (dusk comes earlier and the heating goes on as autumn turns into winter); habits
(coffee or tea, scenes or single devices, dim or bright lights); drift (a device bought halfway,
a habit switched, a slowly shifting rhythm, holiday lights late in the year, a week away);
noise (day-to-day jitter, skipped steps, ad-hoc actions, requests from another room); and a long
tail of rare devices. It is not real data and is not calibrated against real homes; it is a
reproducible stand-in with the structure such logs have, so that a model that uses time and room
has something real to learn, and a hub baseline has something real to miss.

Standard library only; the same --seed always writes the same file.
"""

import argparse
import csv
import datetime as dt
import math
import random
import sys

# Rooms a home may have, with the share of homes that have one.
ROOMS = [
    ("kitchen", 1.0), ("living room", 1.0), ("bedroom", 1.0), ("bathroom", 1.0), ("hallway", 1.0),
    ("kids room", 0.4), ("office", 0.45), ("garage", 0.35), ("garden", 0.45), ("laundry", 0.35),
]

# Devices per room: (device, verbs, share of homes with that room that have it).
DEVICES = {
    "kitchen": [("light", ["on", "off", "dim"], 1.0), ("coffee machine", ["brew"], 0.7), ("kettle", ["boil"], 0.5),
                ("dishwasher", ["start"], 0.6), ("oven", ["preheat"], 0.4), ("speaker", ["news", "music", "stop"], 0.5),
                ("blinds", ["open", "close"], 0.4), ("extractor fan", ["on"], 0.3)],
    "living room": [("light", ["on", "off", "dim"], 1.0), ("tv", ["on", "off"], 0.9), ("speaker", ["music", "stop"], 0.6),
                    ("blinds", ["open", "close"], 0.6), ("thermostat", ["warmer", "cooler", "eco"], 0.7),
                    ("floor lamp", ["on", "off"], 0.5), ("robot vacuum", ["start"], 0.3), ("fireplace", ["on", "off"], 0.08),
                    ("holiday lights", ["on", "off"], 0.35), ("aquarium", ["feed"], 0.04)],
    "bedroom": [("light", ["on", "off", "dim"], 1.0), ("bedside lamp", ["on", "off"], 0.6), ("blinds", ["open", "close"], 0.6),
                ("heater", ["on", "off"], 0.4), ("fan", ["on", "off"], 0.3), ("speaker", ["alarm off", "sleep sounds", "stop"], 0.4),
                ("humidifier", ["on"], 0.1)],
    "kids room": [("light", ["on", "off", "dim"], 1.0), ("night light", ["on", "off"], 0.8), ("speaker", ["lullaby", "stop"], 0.5),
                  ("heater", ["on", "off"], 0.3)],
    "bathroom": [("light", ["on", "off"], 1.0), ("heater", ["on", "off"], 0.5), ("fan", ["on"], 0.5), ("towel rail", ["on"], 0.3),
                 ("water heater", ["boost"], 0.3), ("sauna", ["on"], 0.03)],
    "hallway": [("light", ["on", "off"], 1.0), ("door lock", ["lock", "unlock"], 0.7), ("alarm", ["arm", "disarm"], 0.5),
                ("doorbell camera", ["view"], 0.4)],
    "office": [("light", ["on", "off"], 1.0), ("desk lamp", ["on", "off"], 0.6), ("heater", ["on", "off"], 0.4),
               ("speaker", ["focus music", "stop"], 0.3), ("printer", ["on"], 0.1)],
    "garage": [("light", ["on", "off"], 1.0), ("garage door", ["open", "close"], 0.9), ("ev charger", ["start", "stop"], 0.3)],
    "garden": [("light", ["on", "off"], 1.0), ("sprinkler", ["start", "stop"], 0.6), ("pool pump", ["on", "off"], 0.08),
               ("patio heater", ["on"], 0.1)],
    "laundry": [("light", ["on", "off"], 0.8), ("washing machine", ["start"], 1.0), ("dryer", ["start"], 0.6)],
}

# Whole-home scenes, started from any room (device "scene", device room "home").
SCENES = ["good morning", "leave home", "arrive home", "dinner", "movie night", "good night", "away", "all lights off"]


def catalog():
    """Every action any home could have, with stable ids: (id, room, device, verb)."""
    actions = []
    for room, _ in ROOMS:
        for device, verbs, _ in DEVICES[room]:
            for verb in verbs:
                actions.append((room, device, verb))
    actions += [("home", "scene", scene) for scene in SCENES]
    return [(101 + index, *action) for index, action in enumerate(actions)]


CATALOG = catalog()
ACTION_ID = {(room, device, verb): action_id for action_id, room, device, verb in CATALOG}


def action_name(room, device, verb):
    return f"scene: {verb}" if device == "scene" else f"{room}: {device} {verb}"


class Season:
    """Day length and cold over the year (a temperate city at about 50°N, local clock time)."""

    @staticmethod
    def sunset_hour(day):
        # ≈ 20:45 at midsummer, ≈ 16:15 at midwinter, with summer time from late March to late October.
        angle = 2 * math.pi * (day.timetuple().tm_yday - 172) / 365.25
        hour = 18.5 + 2.25 * math.cos(angle) - 1
        summer_time = dt.date(day.year, 3, 28) <= day < dt.date(day.year, 10, 27)
        return hour + (1 if summer_time else 0)

    @staticmethod
    def cold(day):
        """0 on the warmest day of the year (late July), 1 on the coldest (late January)."""
        angle = 2 * math.pi * (day.timetuple().tm_yday - 205) / 365.25
        return (1 - math.cos(angle)) / 2


class Household:
    """One home: its rooms and devices, its rhythm, its habits and how they drift."""

    def __init__(self, household_id, rng, first_day, days):
        self.id = household_id
        self.rng = rng
        self.rooms = [room for room, share in ROOMS if rng.random() < share]
        self.devices = {}  # room → {device: verbs}
        for room in self.rooms:
            owned = {device: verbs for device, verbs, share in DEVICES[room] if rng.random() < share}
            if owned:
                self.devices[room] = owned
        # Rhythm: weekday wake-up and bedtime (hours), how much later the weekend runs, dinner.
        self.wake = rng.gauss(6.7, 0.6)
        self.weekend_delay = rng.uniform(0.8, 2.5)
        self.bedtime = rng.gauss(22.8, 0.7)
        self.dinner = rng.gauss(18.8, 0.6)
        self.commutes = rng.random() < 0.75
        self.home_from_work = rng.gauss(17.7, 0.8)
        self.work_from_home = sorted(rng.sample(range(5), rng.choice([0, 0, 1, 2, 3]))) if self.has("office") else []
        self.rhythm_drift = rng.gauss(0, 0.4)  # hours over the whole log
        # Habits: which of the alternatives this home uses.
        self.uses_scenes = rng.random() < 0.35
        self.drink = "coffee machine" if self.has("kitchen", "coffee machine") and (
            not self.has("kitchen", "kettle") or rng.random() < 0.6) else "kettle"
        self.dims_lights = rng.random() < 0.5
        self.news_in_morning = rng.random() < 0.6
        self.watches_tv = rng.random() < 0.8
        self.movie_nights = [4, 5] if rng.random() < 0.4 else []
        self.vacuum_day = rng.randrange(7)
        self.laundry_days = sorted(rng.sample([5, 6], rng.choice([1, 2])) + ([rng.randrange(5)] if rng.random() < 0.4 else []))
        self.activity = rng.uniform(0.6, 1.4)  # how much a home uses its hub overall
        # Ad-hoc actions favour a few devices per home (Zipf-like weights over its actions).
        actions = [(room, device, verb) for room, owned in self.devices.items() for device, verbs in owned.items()
                   for verb in verbs]
        rng.shuffle(actions)
        self.adhoc = [(action, 1 / (rank + 1) ** 1.1) for rank, action in enumerate(actions)]
        # Drift: a habit switched on a day of the log, a device bought halfway, a week away.
        self.switch_day = first_day + dt.timedelta(days=rng.randrange(days)) if rng.random() < 0.25 else None
        self.new_device = None
        if rng.random() < 0.3 and self.has("living room") and not self.has("living room", "robot vacuum"):
            self.new_device = (first_day + dt.timedelta(days=rng.randrange(days)), "living room", "robot vacuum", ["start"])
        self.away = None
        if rng.random() < 0.4:
            start = first_day + dt.timedelta(days=rng.randrange(days))
            self.away = (start, start + dt.timedelta(days=rng.randint(3, 9)))

    def has(self, room, device=None):
        return room in self.devices and (device is None or device in self.devices[room])

    def owns(self, day, room, device):
        if self.new_device and (room, device) == self.new_device[1:3]:
            return day >= self.new_device[0]
        return self.has(room, device)


class DayLog:
    """The events of one household on one day: routines add steps, noise perturbs them."""

    def __init__(self, home, day, first_day, days):
        self.home, self.day, self.rng = home, day, home.rng
        self.events = []
        self.progress = (day - first_day).days / max(1, days - 1)
        self.weekday = day.weekday()
        self.weekend = self.weekday >= 5
        self.sunset = Season.sunset_hour(day)
        self.cold = Season.cold(day)

    def add(self, hour, room, device, verb, chance=1.0, from_room=None):
        """One action at `hour` (fractional) if the home owns the device and the dice agree."""
        if self.rng.random() >= chance or not (device == "scene" or self.home.owns(self.day, room, device)):
            return
        hour = hour + self.rng.gauss(0, 0.08)
        if not 0 <= hour < 24:
            return
        # Most requests come from the room the device is in; some from a panel or phone elsewhere.
        origin = from_room or room
        if self.rng.random() < 0.1:
            origin = self.rng.choice(self.home.rooms)
        self.events.append((hour, origin, (room, device, verb)))

    def light(self, hour, room, on, chance=1.0):
        """Lights go on only when it is dark (before dawn or after dusk), off whenever."""
        dark = hour >= self.sunset - 0.3 or hour < 7.2 + 1.2 * self.cold
        if on and not dark:
            return
        verb = ("dim" if self.home.dims_lights and self.home.has(room) and "dim" in self.home.devices[room].get("light", [])
                else "on") if on else "off"
        self.add(hour, room, "light", verb, chance)

    def shift(self):
        """Today's offset of the household's rhythm: its slow drift plus day-to-day jitter."""
        return self.home.rhythm_drift * self.progress + self.rng.gauss(0, 0.33)


def routines(log):
    """The household's routines for one day, in order."""
    home, rng = log.home, log.rng
    if home.away and home.away[0] <= log.day < home.away[1]:
        if log.day == home.away[0]:
            log.add(home.wake + 1.5 + log.shift(), "home", "scene", "away", 0.8, from_room="hallway")
            log.add(home.wake + 1.5 + log.shift(), "hallway", "alarm", "arm", 0.9)
        return
    if home.away and log.day == home.away[1]:
        log.add(rng.uniform(14, 20), "home", "scene", "arrive home", 0.8, from_room="hallway")
    shift = log.shift()
    wfh = log.weekday in home.work_from_home
    wake = home.wake + shift + (home.weekend_delay if log.weekend else 0)

    # Waking up: bedroom, bathroom, kitchen.
    if home.uses_scenes:
        log.add(wake, "home", "scene", "good morning", 0.8, from_room="bedroom")
    log.add(wake - 0.05, "bedroom", "speaker", "alarm off", 0.0 if log.weekend else 0.7)
    log.add(wake + 0.02, "bedroom", "bedside lamp", "on", 0.6)
    log.light(wake + 0.05, "bedroom", True, 0.8)
    log.add(wake + 0.1, "bedroom", "blinds", "open", 0.7)
    log.add(wake + 0.15, "bathroom", "heater", "on", 0.15 + 0.75 * log.cold)
    log.light(wake + 0.2, "bathroom", True, 0.9)
    log.add(wake + 0.35, "bathroom", "fan", "on", 0.5)
    log.add(wake + 0.3, "bathroom", "towel rail", "on", 0.2 + 0.6 * log.cold)
    drink = home.drink
    if home.switch_day and log.day >= home.switch_day:
        drink = "kettle" if drink == "coffee machine" else "coffee machine"
    log.add(wake + 0.55, "kitchen", drink, "brew" if drink == "coffee machine" else "boil", 0.9)
    log.light(wake + 0.5, "kitchen", True, 0.8)
    log.add(wake + 0.6, "kitchen", "speaker", "news", 0.75 if home.news_in_morning and not log.weekend else 0.1)
    log.add(wake + 0.7, "kitchen", "blinds", "open", 0.6)
    log.add(wake + 0.8, "living room", "thermostat", "warmer", 0.05 + 0.5 * log.cold)

    # Leaving for work, coming back.
    if home.commutes and not log.weekend and not wfh:
        leave = wake + rng.uniform(0.9, 1.4)
        if home.uses_scenes:
            log.add(leave, "home", "scene", "leave home", 0.85, from_room="hallway")
        else:
            log.add(leave - 0.05, "home", "scene", "all lights off", 0.3, from_room="hallway")
        log.add(leave, "hallway", "door lock", "lock", 0.8)
        log.add(leave + 0.02, "hallway", "alarm", "arm", 0.8)
        log.add(leave + 0.04, "garage", "garage door", "open", 0.8)
        log.add(leave + 0.1, "garage", "garage door", "close", 0.7)
        back = home.home_from_work + shift + rng.gauss(0, 0.3)
        log.add(back - 0.05, "garage", "garage door", "open", 0.8)
        if home.uses_scenes:
            log.add(back, "home", "scene", "arrive home", 0.85, from_room="hallway")
        log.add(back, "hallway", "alarm", "disarm", 0.85)
        log.add(back + 0.01, "hallway", "door lock", "unlock", 0.5)
        log.light(back + 0.02, "hallway", True, 0.8)
        log.add(back + 0.1, "garage", "ev charger", "start", 0.6)
        log.add(back + 0.15, "living room", "thermostat", "warmer", 0.1 + 0.6 * log.cold)
    if wfh:
        start = wake + rng.uniform(1.0, 1.5)
        log.light(start, "office", True, 0.9)
        log.add(start + 0.02, "office", "desk lamp", "on", 0.7)
        log.add(start + 0.05, "office", "heater", "on", 0.1 + 0.7 * log.cold)
        log.add(start + 0.1, "office", "speaker", "focus music", 0.5)
        log.add(start + 0.1, "office", "printer", "on", 0.1)
        end = 17.3 + rng.gauss(0, 0.5)
        log.add(end, "office", "desk lamp", "off", 0.6)
        log.add(end + 0.02, "office", "light", "off", 0.7)
        log.add(end + 0.03, "office", "heater", "off", 0.5 * log.cold)

    # Dinner and the evening.
    dinner = home.dinner + shift * 0.5 + (0.4 if log.weekend else 0)
    if home.uses_scenes:
        log.add(dinner - 0.3, "home", "scene", "dinner", 0.5, from_room="kitchen")
    log.light(dinner - 0.4, "kitchen", True, 0.9)
    log.add(dinner - 0.35, "kitchen", "oven", "preheat", 0.45)
    log.add(dinner - 0.3, "kitchen", "extractor fan", "on", 0.5)
    log.add(dinner - 0.3, "kitchen", "speaker", "music", 0.4)
    log.add(dinner + 0.9, "kitchen", "dishwasher", "start", 0.6)
    log.add(dinner + 0.95, "kitchen", "light", "off", 0.5)
    dusk = log.sunset + rng.gauss(0, 0.2)
    log.add(dusk, "living room", "blinds", "close", 0.7)
    log.add(dusk + 0.05, "bedroom", "blinds", "close", 0.5)
    log.add(dusk, "kitchen", "blinds", "close", 0.4)
    log.light(dusk + 0.1, "living room", True, 0.8)
    log.add(dusk + 0.15, "living room", "floor lamp", "on", 0.6)
    log.add(dusk + 0.2, "garden", "light", "on", 0.4)
    log.add(dinner + 1.2, "living room", "tv", "on", 0.85 if home.watches_tv else 0.1)
    log.add(dinner + 1.5, "living room", "fireplace", "on", 0.7 * log.cold if log.weekend else 0.1 * log.cold)
    log.add(dinner + 1.4, "living room", "holiday lights", "on", 0.9 if log.day >= dt.date(log.day.year, 11, 25) else 0.0)
    if log.weekday in home.movie_nights:
        log.add(dinner + 1.6, "home", "scene", "movie night", 0.7, from_room="living room")
    log.add(dinner + 0.5, "living room", "aquarium", "feed", 0.8)
    log.add(dinner + 0.1, "garage", "ev charger", "stop", 0.1)

    # Children's bedtime.
    if "kids room" in home.devices:
        kids = 19.4 + shift * 0.5 + (0.5 if log.weekend else 0)
        log.add(kids, "kids room", "night light", "on", 0.8)
        log.add(kids + 0.05, "kids room", "speaker", "lullaby", 0.6)
        log.add(kids + 0.05, "kids room", "heater", "on", 0.8 * log.cold)
        log.add(kids + 0.1, "kids room", "light", "dim", 0.5)
        log.add(kids + 0.5, "kids room", "light", "off", 0.7)
        log.add(kids + 0.55, "kids room", "speaker", "stop", 0.4)

    # Going to bed.
    bed = home.bedtime + shift + (0.7 if log.weekend else 0)
    log.add(bed - 0.3, "living room", "tv", "off", 0.85 if home.watches_tv else 0.1)
    log.add(bed - 0.28, "living room", "holiday lights", "off", 0.9 if log.day >= dt.date(log.day.year, 11, 25) else 0.0)
    log.add(bed - 0.25, "living room", "thermostat", "eco", 0.2 + 0.4 * log.cold)
    log.add(bed - 0.25, "living room", "fireplace", "off", 0.5 * log.cold if log.weekend else 0.05)
    if home.uses_scenes:
        log.add(bed - 0.2, "home", "scene", "good night", 0.85, from_room="living room")
    else:
        log.add(bed - 0.22, "living room", "floor lamp", "off", 0.7)
        log.add(bed - 0.2, "living room", "light", "off", 0.85)
        log.add(bed - 0.18, "garden", "light", "off", 0.4)
    log.add(bed - 0.15, "hallway", "door lock", "lock", 0.7)
    log.add(bed - 0.14, "hallway", "alarm", "arm", 0.4)
    log.add(bed - 0.1, "bedroom", "bedside lamp", "on", 0.6)
    log.add(bed - 0.08, "bedroom", "heater", "on", 0.8 * log.cold)
    log.add(bed - 0.08, "bedroom", "fan", "on", 0.7 * (1 - log.cold))
    log.add(bed - 0.05, "bedroom", "humidifier", "on", 0.6 * log.cold)
    log.add(bed, "bedroom", "speaker", "sleep sounds", 0.5)
    log.add(bed + 0.1, "bedroom", "bedside lamp", "off", 0.6)
    log.add(bed + 0.12, "bedroom", "light", "off", 0.6)
    log.add(bed + 0.3, "bedroom", "heater", "off", 0.3 * log.cold)

    # Chores and the garden.
    if log.weekday in home.laundry_days:
        start = 10 + rng.uniform(-1, 2) if log.weekend else wake + 0.9
        log.add(start, "laundry", "washing machine", "start", 0.8)
        log.add(start + 1.6, "laundry", "dryer", "start", 0.6)
    if log.weekday == home.vacuum_day:
        log.add(wake + rng.uniform(1, 3), "living room", "robot vacuum", "start", 0.8)
    warm = 1 - log.cold
    log.add(log.sunset - 1 + rng.gauss(0, 0.3), "garden", "sprinkler", "start", 0.9 * warm ** 2)
    log.add(log.sunset - 0.5 + rng.gauss(0, 0.3), "garden", "sprinkler", "stop", 0.6 * warm ** 2)
    log.add(rng.uniform(11, 16), "garden", "pool pump", "on", 0.8 * warm ** 3)
    log.add(rng.uniform(19, 22), "garden", "patio heater", "on", 0.3 * warm if log.weekend else 0.05 * warm)
    log.add(wake + 0.1, "bathroom", "water heater", "boost", 0.3 + 0.3 * log.cold)
    log.add(rng.uniform(17, 21), "bathroom", "sauna", "on", 0.5 * log.cold if log.weekend else 0.05)

    # Ad-hoc actions at any waking hour.
    for _ in range(poisson(rng, 2.2 * home.activity)):
        action = weighted_choice(rng, home.adhoc)
        log.add(rng.uniform(wake, bed), *action)


def poisson(rng, mean):
    """Knuth's method (small means)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def weighted_choice(rng, weighted):
    total = sum(weight for _, weight in weighted)
    target = rng.random() * total
    for value, weight in weighted:
        target -= weight
        if target <= 0:
            return value
    return weighted[-1][0]


def generate(households, days, seed, first_day):
    """All events, sorted by time then household: (household, action id, timestamp, hour, weekday, room)."""
    master = random.Random(seed)
    rows = []
    for index in range(households):
        rng = random.Random(master.getrandbits(64))
        home = Household(1001 + index, rng, first_day, days)
        for offset in range(days):
            day = first_day + dt.timedelta(days=offset)
            log = DayLog(home, day, first_day, days)
            routines(log)
            for hour, origin, action in log.events:
                # Thin each household's day by its overall activity, keeping its routines' shape.
                if rng.random() > 0.4 + 0.3 * home.activity:
                    continue
                moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour)
                timestamp = int(moment.replace(tzinfo=dt.timezone.utc).timestamp())
                rows.append((home.id, ACTION_ID[action], timestamp, moment.hour, moment.weekday(), origin))
    rows.sort(key=lambda row: (row[2], row[0], row[1]))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="CSV file to write")
    parser.add_argument("--households", type=int, default=200, help="homes in the log (default 200)")
    parser.add_argument("--days", type=int, default=90, help="days of log per home (default 90)")
    parser.add_argument("--scale", type=int, default=1, help="multiply the homes, e.g. 10 for the 10x setting")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--start", default="2024-09-01", help="first day, YYYY-MM-DD (default 2024-09-01: autumn into winter)")
    args = parser.parse_args(argv)
    if args.households < 1 or args.days < 1 or args.scale < 1:
        parser.error("--households, --days and --scale must be at least 1")
    first_day = dt.date.fromisoformat(args.start)
    rows = generate(args.households * args.scale, args.days, args.seed, first_day)
    names = {action_id: (room, device, verb) for action_id, room, device, verb in CATALOG}
    with open(args.out, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["household", "action", "timestamp", "hour", "weekday", "room", "action_name", "device", "device_room"])
        for household, action, timestamp, hour, weekday, room in rows:
            device_room, device, verb = names[action]
            writer.writerow([household, action, timestamp, hour, weekday, room, action_name(device_room, device, verb),
                             device, device_room])
    used = len({row[1] for row in rows})
    print(f"{args.out}: {len(rows)} events, {args.households * args.scale} households, {args.days} days, "
          f"{used} of {len(CATALOG)} actions used", file=sys.stderr)


if __name__ == "__main__":
    main()
