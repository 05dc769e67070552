"""The statements that write bench/dashboard.py's street (bench/_dashboard_world.py runs them in this order, in
one transaction): plain INSERT ... SELECT generate_series, rows of what happens over time in the order of
their time. Parameters are named in _dashboard_world.seed; `%%` is a literal %."""

# The statements, in order. Parameters: now, today, tz and those named in `seed`. `%%` is a literal %.
# Phones and documents: (array)[1 + n %% 8] picks one of the eight sealed values.
_PHONE = "(%(phone_enc)s::text[])[1 + {n} %% 8], (%(phone_ix)s::text[])[1 + {n} %% 8], (%(phone_mask)s::text[])[1 + {n} %% 8]"
_DOC = "(%(doc_enc)s::text[])[1 + {n} %% 8], (%(doc_ix)s::text[])[1 + {n} %% 8], (%(doc_mask)s::text[])[1 + {n} %% 8]"
_USER = "password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined, role, display_name"

STATEMENTS: list[tuple[str, str]] = [
    (
        "divisions",
        """
INSERT INTO places_division (code, name, level, parent_id) VALUES
  ('420000', '湖北省', 1, NULL), ('420100', '武汉市', 2, '420000'),
  ('350000', '福建省', 1, NULL), ('350500', '泉州市', 2, '350000'), ('350502', '鲤城区', 3, '350500')""",
    ),
    (
        "grids",
        """
INSERT INTO registry_grid (community_id, name, name_key, sort_number)
SELECT c.id, n.name, n.key, n.i FROM registry_community c
CROSS JOIN unnest(%(grid_names)s::text[], %(grid_keys)s::text[]) WITH ORDINALITY AS n(name, key, i)
WHERE c.street_id = %(street)s""",
    ),
    (
        "alleys",
        """
INSERT INTO registry_alley (grid_id, name, lead_name, lead_kind)
SELECT g.id, g.name || a || '巷', '', '' FROM registry_grid g CROSS JOIN generate_series(1, %(alleys)s) a""",
    ),
    (
        "buildings",
        """
INSERT INTO registry_building (alley_id, name)
SELECT a.id, b || '号楼' FROM registry_alley a CROSS JOIN generate_series(1, %(buildings)s) b""",
    ),
    # Most households were registered long ago; one in seven in the last 60 days (the register grows).
    (
        "households",
        """
INSERT INTO registry_household (building_id, room, kind, landlord_name, landlord_phone_enc, landlord_phone_masked,
                                notes, created_at, updated_at, community_id, grid_id)
SELECT b.id, ((r + 1) / 2) * 100 + 1 + (r + 1) %% 2,
       CASE WHEN (b.id + r) %% 7 = 0 THEN 'rental' WHEN (b.id + r) %% 23 = 0 THEN 'vacant' ELSE 'owner' END,
       CASE WHEN (b.id + r) %% 7 = 0 THEN '林某' ELSE '' END,
       CASE WHEN (b.id + r) %% 7 = 0 THEN (%(phone_enc)s::text[])[1] ELSE '' END,
       CASE WHEN (b.id + r) %% 7 = 0 THEN (%(phone_mask)s::text[])[1] ELSE '' END,
       '', t.at, t.at, g.community_id, g.id
FROM registry_building b JOIN registry_alley a ON a.id = b.alley_id JOIN registry_grid g ON g.id = a.grid_id
CROSS JOIN generate_series(1, %(rooms)s) r
CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.85 + 0 * r THEN %(long_ago)s
                                ELSE %(now)s - random() * interval '60 days' END AS at) t""",
    ),
    (
        "residents",
        f"""
INSERT INTO registry_resident (doc_type, doc_number_enc, doc_number_index, doc_number_masked, phone_enc, phone_index,
                               phone_masked, name, name_pinyin, name_initials, sex, birth_date, relation, status,
                               notes, created_at, updated_at, household_id)
SELECT 'id_card', '', '', '', {_PHONE.format(n="(h.id + p)")},
       (%(surnames)s::text[])[1 + s.i] || (%(given)s::text[])[1 + s.j],
       (%(surname_py)s::text[])[1 + s.i] || (%(given_py)s::text[])[1 + s.j],
       left((%(surname_py)s::text[])[1 + s.i], 1) || left((%(given_py)s::text[])[1 + s.j], 1),
       CASE WHEN p %% 2 = 1 THEN 'M' ELSE 'F' END, date '1950-01-01' + ((h.id * 37 + p * 101) %% 25000)::int,
       CASE WHEN p = 1 THEN 'head' WHEN p = 2 THEN 'spouse' ELSE 'child' END, 'living', '',
       h.created_at, h.created_at, h.id
FROM registry_household h CROSS JOIN generate_series(1, 1 + (h.id %% 3)::int) p
CROSS JOIN LATERAL (SELECT ((h.id * 7 + p) %% %(n_surnames)s)::int AS i,
                           ((h.id * 13 + p * 5) %% %(n_given)s)::int AS j) s
WHERE h.kind <> 'vacant'""",
    ),
    (
        "grid workers",
        f"""
INSERT INTO accounts_user ({_USER})
SELECT '!', false, 'bench_w' || g.id, '', '', '', false, true, %(now)s, 'grid_worker', g.name || '网格员'
FROM registry_grid g""",
    ),
    (
        "grid workers' grids",
        """
INSERT INTO accounts_user_grids (user_id, grid_id)
SELECT u.id, g.id FROM registry_grid g JOIN accounts_user u ON u.username = 'bench_w' || g.id""",
    ),
    (
        "duty staff",
        f"""
INSERT INTO accounts_user ({_USER})
SELECT '!', false, 'bench_d' || c.id || '_' || k, '', '', '', false, true, %(now)s, 'duty_staff', '值守' || k
FROM registry_community c CROSS JOIN generate_series(0, 5) k WHERE c.street_id = %(street)s""",
    ),
    (
        "duty staff's communities",
        """
INSERT INTO accounts_user_communities (user_id, community_id)
SELECT u.id, c.id FROM registry_community c CROSS JOIN generate_series(0, 5) k
JOIN accounts_user u ON u.username = 'bench_d' || c.id || '_' || k WHERE c.street_id = %(street)s""",
    ),
    (
        "campaigns",
        """
INSERT INTO screening_campaign (name, start_date, end_date, household_filter, notes, created_at, community_id)
SELECT n.name, %(today)s::date - n.starts, CASE WHEN n.ends IS NULL THEN NULL ELSE %(today)s::date - n.ends END,
       'all', '', %(now)s, c.id
FROM registry_community c CROSS JOIN (VALUES ('第一轮排查', 60, 31), ('第二轮排查', 30, NULL)) AS n(name, starts, ends)
WHERE c.street_id = %(street)s""",
    ),
    (
        "campaign grids",
        """
INSERT INTO screening_campaign_grids (campaign_id, grid_id)
SELECT cp.id, g.id FROM screening_campaign cp JOIN registry_grid g ON g.community_id = cp.community_id""",
    ),
    (
        "questions",
        """
INSERT INTO screening_question ("order", text, kind, role, options, key_answers, required, active, campaign_id)
SELECT 1, '近14天是否到过重点地区？', 'yes_no', 'travel', '[]', '["yes"]', true, true, id FROM screening_campaign""",
    ),
    # Seven households in ten called in the last campaign, nine in ten in the current one (a third twice).
    (
        "attempts",
        """
INSERT INTO screening_attempt (at, channel, outcome, note, client_token, household_id, worker_id, campaign_id)
SELECT x.at, CASE WHEN x.v < 0.7 THEN 'phone' ELSE 'door' END,
       CASE WHEN x.o < 0.60 THEN 'reached' WHEN x.o < 0.65 THEN 'vacant' WHEN x.o < 0.83 THEN 'no_answer'
            WHEN x.o < 0.88 THEN 'refused' ELSE 'wrong_number' END,
       '', '', x.household_id, x.worker_id, x.campaign_id
FROM (
  SELECT h.id AS household_id, w.id AS worker_id, cp.id AS campaign_id, random() AS v, random() AS o,
         CASE WHEN cp.end_date IS NULL
              THEN %(current_from)s + random() * (%(now)s - %(current_from)s)
              ELSE %(last_from)s + random() * (%(last_until)s - %(last_from)s) END AS at
  FROM registry_household h
  JOIN screening_campaign cp ON cp.community_id = h.community_id
  JOIN accounts_user w ON w.username = 'bench_w' || h.grid_id
  CROSS JOIN generate_series(1, 2) k
  WHERE random() < CASE WHEN cp.end_date IS NOT NULL THEN (CASE WHEN k = 1 THEN 0.7 ELSE 0 END)
                        WHEN k = 1 THEN 0.9 ELSE 0.3 END
) x
ORDER BY x.at""",
    ),
    (
        "answers",
        """
INSERT INTO screening_answer (person_name, value, points_to_key_area, resident_id, attempt_id, question_id)
SELECT r.name, CASE WHEN r.id %% 30 = 0 THEN 'yes' ELSE 'no' END, r.id %% 30 = 0, r.id, a.id, q.id
FROM screening_attempt a JOIN registry_resident r ON r.household_id = a.household_id
JOIN screening_question q ON q.campaign_id = a.campaign_id
WHERE a.outcome = 'reached'
ORDER BY a.id, r.id""",
    ),
    # What screening.actions.keep_first_screening keeps with each call: when a household was first reached (or
    # found vacant) and a person first answered, per campaign, in the order they happened.
    (
        "households' first screenings",
        """
INSERT INTO screening_screenedhousehold (campaign_id, household_id, at)
SELECT campaign_id, household_id, min(at) FROM screening_attempt WHERE outcome IN ('reached', 'vacant')
GROUP BY campaign_id, household_id ORDER BY min(at)""",
    ),
    (
        "persons' first screenings",
        """
INSERT INTO screening_screenedperson (campaign_id, resident_id, at)
SELECT a.campaign_id, an.resident_id, min(a.at) FROM screening_answer an JOIN screening_attempt a ON a.id = an.attempt_id
WHERE an.resident_id IS NOT NULL GROUP BY a.campaign_id, an.resident_id ORDER BY min(a.at)""",
    ),
    # A person who said yes is a key person from that call on (the first such call).
    (
        "key persons from screening",
        f"""
INSERT INTO screening_keyperson (doc_type, doc_number_enc, doc_number_index, doc_number_masked, phone_enc, phone_index,
                                 phone_masked, name, arrival_date, travel_history, contact_note, transport, source,
                                 source_ref, on_push_list, status, notes, created_at, updated_at, community_id,
                                 grid_id, household_id, origin_id, resident_id, attempt_id)
SELECT * FROM (
  SELECT DISTINCT ON (r.id) 'id_card', {_DOC.format(n="r.id")}, {_PHONE.format(n="r.id")}, r.name,
         (a.at AT TIME ZONE %(tz)s)::date - 2, '[]'::jsonb, '', '', 'screening', '', false, 'new', '', a.at AS found, a.at,
         h.community_id, h.grid_id, h.id, '420100', r.id, a.id
  FROM screening_answer an JOIN screening_attempt a ON a.id = an.attempt_id
  JOIN registry_resident r ON r.id = an.resident_id JOIN registry_household h ON h.id = r.household_id
  WHERE an.points_to_key_area
  ORDER BY r.id, a.at
) found ORDER BY found""",
    ),
    (
        "enclosures",
        """
INSERT INTO gates_enclosure (community_id, name, notes)
SELECT c.id, n, '' FROM registry_community c CROSS JOIN unnest(ARRAY['东片区', '西片区']) n
WHERE c.street_id = %(street)s""",
    ),
    # Three gates an enclosure; the west enclosure's third gate is closed.
    (
        "gates",
        """
INSERT INTO gates_gate (enclosure_id, name, location, state, token, shift_pattern, weekly_roster_active, updated_at)
SELECT e.id, n.name, '', CASE WHEN e.name = '西片区' AND n.i = 3 THEN 'closed'
                              WHEN n.i = 2 THEN 'residents_only' ELSE 'open' END,
       md5(e.id || '-' || n.i || '-' || random()), %(shift_pattern)s, false, %(long_ago)s
FROM gates_enclosure e CROSS JOIN unnest(ARRAY['东门', '南门', '北门']) WITH ORDINALITY AS n(name, i)""",
    ),
    # Three shifts a day at every gate in service, for the last 30 days and the next; one in 37 never planned.
    (
        "shifts",
        """
INSERT INTO gates_shift (gate_id, starts_at, ends_at, min_strength, changed_by_hand)
SELECT g.id, ((%(today)s::date + d)::timestamp + s * interval '8 hours') AT TIME ZONE %(tz)s,
       ((%(today)s::date + d)::timestamp + (s + 1) * interval '8 hours') AT TIME ZONE %(tz)s, 2, false
FROM gates_gate g CROSS JOIN generate_series(-30, 1) d CROSS JOIN generate_series(0, 2) s
WHERE g.state <> 'closed' AND (g.id * 3 + d * 5 + s) %% 37 <> 0""",
    ),
    # Two of the community's six duty staff a shift, the first leads; one shift in 29 has nobody booked.
    (
        "shift members",
        """
INSERT INTO gates_shiftmember (shift_id, user_id, is_leader)
SELECT sh.id, u.id, m.k = 0
FROM gates_shift sh JOIN gates_gate g ON g.id = sh.gate_id JOIN gates_enclosure e ON e.id = g.enclosure_id
CROSS JOIN generate_series(0, 1) AS m(k)
JOIN accounts_user u ON u.username = 'bench_d' || e.community_id || '_' || ((sh.id + m.k) %% 6)
WHERE sh.id %% 29 <> 0""",
    ),
    # Visitors at the gates in service (one in ten from a key area); codes are the row number in base 25.
    (
        "registrations",
        f"""
INSERT INTO visitors_registration (doc_type, doc_number_enc, doc_number_index, doc_number_masked, phone_enc,
                                   phone_index, phone_masked, submission_key, code, name, arrival_date,
                                   places_passed, transport, transport_number, reason, host_address, host_name,
                                   key_area_names, created_at, gate_id, origin_id)
SELECT 'id_card', {_DOC.format(n="i")}, {_PHONE.format(n="i")}, 'bench-' || i,
       substr(%(alphabet)s, (i %% 25)::int + 1, 1) || substr(%(alphabet)s, (i / 25 %% 25)::int + 1, 1)
       || substr(%(alphabet)s, (i / 625 %% 25)::int + 1, 1) || substr(%(alphabet)s, (i / 15625 %% 25)::int + 1, 1)
       || substr(%(alphabet)s, (i / 390625 %% 25)::int + 1, 1) || substr(%(alphabet)s, (i / 9765625 %% 25)::int + 1, 1),
       (%(surnames)s::text[])[1 + i %% %(n_surnames)s] || '某',
       (x.at AT TIME ZONE %(tz)s)::date - (i %% 4)::int, '[]', 'car', '', '探亲', '1号楼101', '林某',
       CASE WHEN x.key THEN '湖北省武汉市' ELSE '' END, x.at,
       (%(open_gates)s::bigint[])[1 + floor(x.gate * %(n_open_gates)s)::int],
       CASE WHEN x.key THEN '420100' ELSE '350502' END
FROM generate_series(1::bigint, %(registrations)s) i
CROSS JOIN LATERAL (SELECT %(visits_from)s + (i - 1 + random()) * %(registration_step)s AS at, random() < 0.1 AS key,
                           random() AS gate) x""",
    ),
    (
        "key persons from visitors",
        f"""
INSERT INTO screening_keyperson (doc_type, doc_number_enc, doc_number_index, doc_number_masked, phone_enc, phone_index,
                                 phone_masked, name, arrival_date, travel_history, contact_note, transport, source,
                                 source_ref, on_push_list, status, notes, created_at, updated_at, community_id,
                                 origin_id)
SELECT 'id_card', {_DOC.format(n="r.id")}, {_PHONE.format(n="r.id")}, r.name, r.arrival_date, '[]', '', '',
       'visitor', 'R' || r.id, false, 'new', '', r.created_at, r.created_at, e.community_id, r.origin_id
FROM visitors_registration r JOIN gates_gate g ON g.id = r.gate_id JOIN gates_enclosure e ON e.id = g.enclosure_id
WHERE r.key_area_names <> '' AND r.id %% 50 = 0""",
    ),
    (
        "registrations' key persons",
        """
UPDATE visitors_registration r SET key_person_id = k.id FROM screening_keyperson k
WHERE k.source = 'visitor' AND k.source_ref = 'R' || r.id""",
    ),
    (
        "gate log",
        """
INSERT INTO gates_gatelogentry (at, direction, kind, visitor_code, plate, note, flags, gate_id)
SELECT x.at, CASE WHEN x.d < 0.55 THEN 'in' ELSE 'out' END,
       CASE WHEN x.k < 0.6 THEN 'resident' WHEN x.k < 0.8 THEN 'visitor' WHEN x.k < 0.9 THEN 'courier' ELSE 'vehicle' END,
       '', '', '',
       CASE WHEN x.k >= 0.8 AND x.k < 0.9 THEN ' kept_outside '
            WHEN x.f < 0.03 THEN ' kept_outside ' WHEN x.f < 0.035 THEN ' fever ' ELSE '' END,
       (%(open_gates)s::bigint[])[1 + floor(x.gate * %(n_open_gates)s)::int]
FROM generate_series(1::bigint, %(gate_log)s) i
CROSS JOIN LATERAL (SELECT %(visits_from)s + (i - 1 + random()) * %(gate_log_step)s AS at,
                           random() AS d, random() AS k, random() AS f, random() AS gate) x""",
    ),
    # Cases from the key persons found by screening (the first `cases` of them): opened within a day of being
    # found, day 0 up to three days before, 14 days; released on their last day, one in 30 transferred early.
    (
        "observation cases",
        """
INSERT INTO observation_observationcase (name, phone_enc, phone_masked, reason, reason_note, day_zero_basis, day_zero,
    started_on, planned_end, status, extension_reason, transfer_destination, closing_reason, closed_at, fever_state,
    escalation_reason, opened_at, updated_at, assigned_worker_id, community_id, grid_id, household_id, key_person_id,
    origin_id, resident_id)
SELECT y.name, y.phone_enc, y.phone_masked, 'key_area', '', 'arrival', y.day_zero, y.day_zero, y.day_zero + 14,
       CASE WHEN y.transfer_at < %(now)s THEN 'transferred' WHEN y.release_at < %(now)s THEN 'released'
            ELSE 'active' END,
       '', CASE WHEN y.transfer_at < %(now)s THEN 'hospital' ELSE '' END, '',
       CASE WHEN y.transfer_at < %(now)s THEN y.transfer_at WHEN y.release_at < %(now)s THEN y.release_at END,
       'none', '', y.opened_at, y.opened_at, y.worker_id, y.community_id, y.grid_id, y.household_id, y.id, '420100',
       y.resident_id
FROM (
  SELECT x.*, ((x.day_zero + 14)::timestamp + time '10:00' + x.r1 * interval '6 hours') AT TIME ZONE %(tz)s
              AS release_at,
         CASE WHEN x.r2 < 0.033 THEN x.opened_at + interval '1 hour' + x.r1 * interval '5 days' END AS transfer_at
  FROM (
    SELECT k.id, k.name, k.phone_enc, k.phone_masked, k.community_id, k.grid_id, k.household_id, k.resident_id,
           w.id AS worker_id, o.opened_at, (o.opened_at AT TIME ZONE %(tz)s)::date - (k.id %% 4)::int AS day_zero,
           random() AS r1, random() AS r2
    FROM screening_keyperson k JOIN accounts_user w ON w.username = 'bench_w' || k.grid_id
    CROSS JOIN LATERAL (SELECT LEAST(k.created_at + random() * interval '1 day',
                                     %(now)s - interval '10 minutes') AS opened_at) o
    WHERE k.source = 'screening' ORDER BY k.id LIMIT %(cases)s
  ) x
) y
ORDER BY y.opened_at""",
    ),
    (
        "key persons under observation",
        """
UPDATE screening_keyperson k SET status = CASE c.status WHEN 'active' THEN 'observing'
                                                      WHEN 'released' THEN 'cleared' ELSE 'transferred' END
FROM observation_observationcase c WHERE c.key_person_id = k.id""",
    ),
    # Slots at 09:00 (window 4 h) and 17:00 (8 h) local from day 0 to the planned end, while the case is open.
    (
        "follow-up slots",
        """
INSERT INTO observation_followupslot (case_id, due_at, closes_at, status, attempts, done_at)
SELECT c.id, d.due, d.due + CASE WHEN t = time '09:00' THEN interval '4 hours' ELSE interval '8 hours' END,
       'pending', 0, NULL
FROM observation_observationcase c
CROSS JOIN LATERAL (SELECT ((c.day_zero + g)::timestamp + t) AT TIME ZONE %(tz)s AS due, t
                    FROM generate_series(0, c.planned_end - c.day_zero) g,
                         unnest(ARRAY[time '09:00', time '17:00']) t) d
WHERE d.due > c.opened_at AND d.due < COALESCE(c.closed_at, %(now)s + interval '2 days')
ORDER BY c.id, d.due""",
    ),
    # Nine slots in ten done 20 minutes after their time (by now); the rest missed once closed, else overdue or pending.
    (
        "slots done",
        """
UPDATE observation_followupslot SET
  status = CASE WHEN id %% 10 <> 0 AND due_at + interval '20 minutes' <= %(now)s THEN 'done'
                WHEN closes_at <= %(now)s THEN 'missed'
                WHEN due_at <= %(overdue_before)s THEN 'overdue' ELSE 'pending' END,
  done_at = CASE WHEN id %% 10 <> 0 AND due_at + interval '20 minutes' <= %(now)s
                 THEN due_at + interval '20 minutes' END""",
    ),
    (
        "follow-ups",
        """
INSERT INTO observation_followup (channel, reached, temperature, symptoms, mood, needs, note, is_retest, is_fever,
                                  flags, flagged, recorded_at, recorded_by_id, slot_id, case_id)
SELECT 'call', true, CASE WHEN x.fever THEN 37.9 ELSE 36.2 + (s.id %% 7) / 10.0 END, '[]', 'good', '[]', '', false,
       x.fever, '[]', false, s.done_at, c.assigned_worker_id, s.id, c.id
FROM observation_followupslot s JOIN observation_observationcase c ON c.id = s.case_id
CROSS JOIN LATERAL (SELECT random() < 0.003 + 0 * s.id AS fever) x
WHERE s.done_at IS NOT NULL
ORDER BY s.done_at""",
    ),
    # Every case with a fever: the last reading's state; half of them reported upward two hours after the first.
    (
        "fevers",
        """
UPDATE observation_observationcase c SET fever_state = CASE WHEN c.id %% 2 = 0 THEN 'escalated' ELSE 'fever' END,
       escalated_at = CASE WHEN c.id %% 2 = 0 AND f.first + interval '2 hours' < %(now)s
                           THEN f.first + interval '2 hours' END
FROM (SELECT case_id, min(recorded_at) AS first FROM observation_followup
      WHERE is_fever GROUP BY case_id) f
WHERE f.case_id = c.id""",
    ),
    (
        "last follow-ups",
        """
UPDATE observation_observationcase c SET last_followup_at = f.at, last_temperature = f.temperature
FROM (SELECT DISTINCT ON (case_id) case_id, recorded_at AS at, temperature FROM observation_followup
      ORDER BY case_id, recorded_at DESC) f
WHERE f.case_id = c.id""",
    ),
    # A push list every three days for 60 days, imported that morning.
    (
        "push lists",
        """
INSERT INTO pushlist_pushbatch (received_on, source, note, file_name, file_sha256, upload_path, columns, mapping, status,
                                status_message, row_count, imported_count, errors, created_at, imported_at,
                                updated_at, community_id)
SELECT %(today)s::date - 60 + 3 * k, '区疫情防控指挥部大数据组', '', '推送名单' || k || '.xlsx',
       md5(c.id || '-' || k), '', '[]', '{}', 'done', '', 0, 0, '[]', x.at, x.at, x.at, c.id
FROM registry_community c CROSS JOIN generate_series(0, 20) k
CROSS JOIN LATERAL (SELECT ((%(today)s::date - 60 + 3 * k)::timestamp + time '09:00' + (random() + 0 * c.id) * interval '3 hours')
                           AT TIME ZONE %(tz)s AS at) x
WHERE c.street_id = %(street)s AND x.at < %(now)s""",
    ),
    # Three key persons in five are on the list nearest their finding; seven in ten of all settled within 2 days.
    (
        "push-list people matched",
        """
INSERT INTO pushlist_pushedperson (doc_type, doc_number_enc, doc_number_index, doc_number_masked, phone_enc,
    phone_index, phone_masked, row_number, name, origin_text, address_text, transport, list_note, problems,
    match_state, match_rule, match_confidence, match_reason, proposed_outcome, proposed_reason, outcome, outcome_note,
    outcome_at, batch_id, community_id, grid_id, household_id, key_person_id, resident_id, updated_at)
SELECT k.doc_type, k.doc_number_enc, k.doc_number_index, k.doc_number_masked, k.phone_enc, k.phone_index,
       k.phone_masked, k.id, k.name, '湖北省武汉市', '', '', '', '[]', 'matched', 'id', 100, '证件号码一致', '', '',
       CASE WHEN x.settled < %(now)s THEN x.outcome ELSE '' END, '',
       CASE WHEN x.settled < %(now)s THEN x.settled END, b.id, k.community_id, k.grid_id, k.household_id, k.id,
       k.resident_id, GREATEST(b.imported_at, CASE WHEN x.settled < %(now)s THEN x.settled END)
FROM screening_keyperson k
CROSS JOIN LATERAL (SELECT id, imported_at FROM pushlist_pushbatch b WHERE b.community_id = k.community_id
                    ORDER BY abs(extract(epoch FROM b.imported_at - k.created_at)) LIMIT 1) b
CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.7 + 0 * k.id THEN b.imported_at + random() * interval '2 days' END
                           AS settled,
                           (ARRAY['screened', 'screened', 'screened', 'screened', 'wrong_info', 'missed',
                                  'not_living_here', 'past_window', 'passed_through'])[1 + (k.id %% 9)::int]
                           AS outcome) x
WHERE k.id %% 5 < 3""",
    ),
    (
        "push-list people not found",
        """
INSERT INTO pushlist_pushedperson (doc_type, doc_number_enc, doc_number_index, doc_number_masked, phone_enc,
    phone_index, phone_masked, row_number, name, origin_text, address_text, transport, list_note, problems,
    match_state, match_rule, match_confidence, match_reason, proposed_outcome, proposed_reason, outcome, outcome_note,
    outcome_at, batch_id, community_id, updated_at)
SELECT 'id_card', '', '', '', '', '', '', 1000000 + g, '外来' || g, '湖北省武汉市', '', '', '', '[]', 'unmatched', '',
       0, '', '', '', CASE WHEN x.settled < %(now)s THEN x.outcome ELSE '' END, '',
       CASE WHEN x.settled < %(now)s THEN x.settled END, b.id, b.community_id,
       GREATEST(b.imported_at, CASE WHEN x.settled < %(now)s THEN x.settled END)
FROM pushlist_pushbatch b CROSS JOIN generate_series(1, %(strangers)s) g
CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.6 + 0 * g THEN b.imported_at + random() * interval '3 days' END
                           AS settled,
                           (ARRAY['not_living_here', 'passed_through', 'wrong_info'])[1 + ((b.id + g) %% 3)::int]
                           AS outcome) x""",
    ),
    (
        "key persons on push lists",
        """
UPDATE screening_keyperson SET on_push_list = true
WHERE id IN (SELECT key_person_id FROM pushlist_pushedperson WHERE key_person_id IS NOT NULL)""",
    ),
    (
        "push-list counts",
        """
UPDATE pushlist_pushbatch b SET row_count = n, imported_count = n
FROM (SELECT batch_id, count(*) AS n FROM pushlist_pushedperson GROUP BY batch_id) p WHERE p.batch_id = b.id""",
    ),
]
